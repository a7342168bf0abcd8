using System.Text.RegularExpressions;

namespace Omni.Infra.Tests;

/// <summary>The key list the cross-check uses stays true to the code: every entry is still read, no read key is missing.</summary>
public sealed partial class ConfigurationKeysTests
{
    [Fact]
    public void All_EveryKey_IsStillReadByItsSourceFile()
    {
        foreach (var key in ConfigurationKeys.All)
        {
            var text = Repository.Read(key.ReadBy.Split('/'));
            Assert.True(text.Contains(key.Evidence, StringComparison.Ordinal), $"{key.ReadBy} no longer contains {key.Evidence} ({key.Key})");
        }
    }

    [Fact]
    public void All_KeysTheFunctionsCodeReads_AreListed()
    {
        var listed = ConfigurationKeys.All.Select(k => k.Key).Concat(ConfigurationKeys.All.SelectMany(k => k.Key.Split("__"))).ToHashSet(StringComparer.Ordinal);
        var read = ReadKeys().ToList();

        Assert.Contains(read, r => r.Key == "fullyQualifiedNamespace"); // the scan sees what AzureConnections reads
        Assert.All(read, r => Assert.True(listed.Contains(r.Key), $"{r.File} reads '{r.Key}', which ConfigurationKeys.All does not list"));
    }

    [Fact]
    public void ReadKeys_CodeWithANewSetting_FindsIt()
    {
        var found = ReadKeys([("x.cs", "public const string WidgetSetting = \"Widget\"; var v = section[\"endpoint\"]; var w = configuration[\"Gadget:Colour\"]; const string SizeKey = \"Gadget:Size\";")]).Select(r => r.Key);

        Assert.Equal(["Widget", "endpoint", "Gadget__Colour", "Gadget__Size"], found);
    }

    /// <summary>Keys read through the conventions of functions/: <c>const string XSetting/XVariable = "..."</c> and <c>section["..."]</c>.</summary>
    private static IEnumerable<(string Key, string File)> ReadKeys(IEnumerable<(string File, string Text)>? sources = null)
    {
        sources ??= new[] { "functions", Path.Combine("shared", "Omni.Channels") }
            .SelectMany(folder => Directory.EnumerateFiles(Repository.PathOf(folder.Split(Path.DirectorySeparatorChar)), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Select(f => (Path.GetRelativePath(Repository.Root, f), File.ReadAllText(f)));
        foreach (var (file, text) in sources)
        {
            foreach (Match m in SettingConstant().Matches(text))
            {
                yield return (m.Groups["key"].Value, file);
            }
            foreach (Match m in SectionRead().Matches(text))
            {
                yield return (m.Groups["key"].Value, file);
            }
            foreach (Match m in PathRead().Matches(text))
            {
                yield return (m.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal), file);
            }
        }
    }

    [GeneratedRegex(@"const\s+string\s+\w+(?:Setting|Variable)\s*=\s*""(?<key>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex SettingConstant();

    [GeneratedRegex(@"section\[""(?<key>[A-Za-z_][A-Za-z0-9_]*)""\]")]
    private static partial Regex SectionRead();

    /// <summary><c>configuration["Section:Key"]</c>, or a constant <c>XKey = "Section:Key"</c>, the form the channel and webhook code uses.</summary>
    [GeneratedRegex(@"(?:configuration\[|const\s+string\s+\w+Key\s*=\s*)""(?<key>[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex PathRead();
}
