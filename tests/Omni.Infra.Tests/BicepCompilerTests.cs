using System.Text.RegularExpressions;
using Omni.Infra.Tests.Bicep;

namespace Omni.Infra.Tests;

/// <summary>
/// The real Bicep compiler builds infra/main.bicep (and every module it deploys) with no error and no linter warning;
/// a warning is accepted only where the Bicep suppresses it with a reason. The failing cases show the checks bite.
/// </summary>
public sealed partial class BicepCompilerTests
{
    [Fact]
    public void Build_MainBicep_CompilesWithoutErrorsOrWarnings()
    {
        using var copy = InfraCopy.FromRepository();

        var run = copy.Build();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("\"$schema\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_EveryBicepFile_IsClean()
    {
        using var copy = InfraCopy.FromRepository();
        var files = Directory.EnumerateFiles(copy.Root, "*.bicep", SearchOption.AllDirectories).Order().ToList();

        Assert.Contains(files, f => f.EndsWith("acs-events.bicep", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var run = BicepCli.Run(copy.Root, "lint", Path.GetRelativePath(copy.Root, file));
            Assert.True(run.ExitCode == 0 && run.Diagnostics.Count == 0, $"{Path.GetRelativePath(copy.Root, file)}:\n{run.Output}");
        }
    }

    [Fact]
    public void Snapshot_Repository_HasNoDiagnosticsAndEveryModuleResource()
    {
        var snapshot = RepositoryDeployment.Default;

        Assert.Empty(snapshot.Diagnostics);
        Assert.Single(snapshot.OfType("Microsoft.Web/sites"));
        Assert.Single(snapshot.OfType("Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        Assert.NotEmpty(snapshot.OfType("Microsoft.ServiceBus/namespaces/queues"));
    }

    [Fact]
    public void Build_TypeErrorInAModule_FailsWithItsFileAndLine()
    {
        using var copy = InfraCopy.FromRepository().Edit("app/function.bicep", "serverFarmId: plan.id", "serverFarmId: missingPlan.id");

        var run = copy.Build();

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(run.Diagnostics, d => d.Level == "Error" && d.File.EndsWith("function.bicep", StringComparison.Ordinal) && d.Line > 1);
    }

    [Fact]
    public void Build_LinterWarning_IsReported()
    {
        using var copy = InfraCopy.FromRepository().Edit("app/identity.bicep", "param location string", "param location string\nparam unused string = ''");

        var run = copy.Build();

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Diagnostics, d => d.Level == "Warning" && d.Code == "no-unused-params");
    }

    [Fact]
    public void Suppressions_EveryDisabledDiagnostic_SaysWhy()
    {
        var unexplained = Directory.EnumerateFiles(Repository.PathOf("infra"), "*.bicep", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => Suppression().IsMatch(l.Text) && !Suppression().Match(l.Text).Groups["why"].Success)
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}");

        Assert.Empty(unexplained);
        Assert.Matches(Suppression(), "#disable-next-line no-unused-params // the output is read by azd");
        Assert.False(Suppression().Match("#disable-next-line no-unused-params").Groups["why"].Success);
    }

    [GeneratedRegex(@"#disable-(?:next-line|diagnostics)\s+[\w\- ]+?(?:\s*//\s*(?<why>\S.*))?$")]
    private static partial Regex Suppression();
}
