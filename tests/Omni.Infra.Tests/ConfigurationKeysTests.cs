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
        var listed = ConfigurationKeys.All.SelectMany(k => k.Key.Split("__")).ToHashSet(StringComparer.Ordinal);
        var read = ReadKeys().ToList();

        Assert.Contains(read, r => r.Key == "fullyQualifiedNamespace"); // the scan sees what AzureConnections reads
        Assert.All(read, r => Assert.True(listed.Contains(r.Key), $"{r.File} reads '{r.Key}', which ConfigurationKeys.All does not list"));
    }

    [Fact]
    public void ReadKeys_CodeWithANewSetting_FindsIt()
    {
        var found = ReadKeys([("x.cs", "public const string WidgetSetting = \"Widget\"; var v = section[\"endpoint\"];")]).Select(r => r.Key);

        Assert.Equal(["Widget", "endpoint"], found);
    }

    /// <summary>Keys read through the conventions of functions/: <c>const string XSetting/XVariable = "..."</c> and <c>section["..."]</c>.</summary>
    private static IEnumerable<(string Key, string File)> ReadKeys(IEnumerable<(string File, string Text)>? sources = null)
    {
        sources ??= Directory.EnumerateFiles(Repository.PathOf("functions"), "*.cs", SearchOption.AllDirectories)
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
        }
    }

    [GeneratedRegex(@"const\s+string\s+\w+(?:Setting|Variable)\s*=\s*""(?<key>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex SettingConstant();

    [GeneratedRegex(@"section\[""(?<key>[A-Za-z_][A-Za-z0-9_]*)""\]")]
    private static partial Regex SectionRead();
}
