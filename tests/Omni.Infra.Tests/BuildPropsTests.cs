using System.Xml.Linq;

namespace Omni.Infra.Tests;

/// <summary>Directory.Build.props: a package with a high or critical advisory fails restore; the lesser ones only warn.</summary>
public sealed class BuildPropsTests
{
    private static IReadOnlyList<string> WarningsNotAsErrors() =>
        XDocument.Parse(Repository.Read("Directory.Build.props")).Descendants("WarningsNotAsErrors")
            .SelectMany(e => e.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();

    [Fact]
    public void WarningsNotAsErrors_HighAndCriticalAdvisories_AreNotExempt()
    {
        Assert.DoesNotContain("NU1903", WarningsNotAsErrors());
        Assert.DoesNotContain("NU1904", WarningsNotAsErrors());
    }

    [Fact]
    public void WarningsNotAsErrors_SubstitutedVersionAndLowOrModerateAdvisories_StayWarnings() =>
        Assert.Equal(["NU1603", "NU1901", "NU1902"], WarningsNotAsErrors().Where(w => w.StartsWith("NU", StringComparison.Ordinal)));
}
