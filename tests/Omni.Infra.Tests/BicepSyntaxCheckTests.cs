using System.Diagnostics;

namespace Omni.Infra.Tests;

/// <summary>
/// Every .bicep file parses with the tree-sitter-bicep grammar (infra/tools/check-bicep.mjs; offline, syntax only —
/// CI's `az bicep build` type-checks), and the check reports a broken file, so a pass means something.
/// </summary>
public sealed class BicepSyntaxCheckTests
{
    private static readonly string Script = Repository.PathOf("infra", "tools", "check-bicep.mjs");

    private static (int ExitCode, string Output) RunCheck(params string[] targets)
    {
        Assert.True(Directory.Exists(Repository.PathOf("tools", "node_modules", "tree-sitter-bicep")),
            "tools/node_modules has no tree-sitter-bicep: run `npm ci --prefix tools`");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var target in targets)
        {
            start.ArgumentList.Add(target);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "check-bicep.mjs did not finish in 60 s");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void CheckBicep_EveryInfraFile_ParsesWithoutErrors()
    {
        var expected = Directory.EnumerateFiles(Repository.PathOf("infra"), "*.bicep", SearchOption.AllDirectories).Count();

        var (exitCode, output) = RunCheck();

        Assert.True(exitCode == 0, output);
        Assert.Contains($"check-bicep: {expected} file(s), 0 problem(s)", output);
        Assert.Contains("infra/main.bicep: ok", output);
    }

    [Fact]
    public void CheckBicep_BrokenFiles_ReportsEachProblemWithItsLine()
    {
        var folder = Directory.CreateTempSubdirectory("omni-bicep-");
        try
        {
            // An unclosed array inside a resource, and a parameter whose default value is missing.
            File.WriteAllText(Path.Combine(folder.FullName, "unclosed.bicep"),
                "resource r 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n  properties: {\n    tables: [\n  }\n}\n");
            File.WriteAllText(Path.Combine(folder.FullName, "nodefault.bicep"), "param p string =\nvar x = 1\n");

            var (exitCode, output) = RunCheck(folder.FullName);

            Assert.Equal(1, exitCode);
            Assert.Matches(@"unclosed\.bicep:4:\d+: MISSING \]", output);
            Assert.Matches(@"nodefault\.bicep:2:1: ERROR", output);
            Assert.Contains("2 file(s), 2 problem(s)", output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void CheckBicep_MainWithAMissingBrace_FailsTheRealFile()
    {
        var folder = Directory.CreateTempSubdirectory("omni-bicep-");
        try
        {
            var main = Repository.Read("infra", "main.bicep");
            var broken = main.Remove(main.LastIndexOf("}\n\nmodule rbac", StringComparison.Ordinal), 1);
            File.WriteAllText(Path.Combine(folder.FullName, "main.bicep"), broken);

            var (exitCode, output) = RunCheck(Path.Combine(folder.FullName, "main.bicep"));

            Assert.Equal(1, exitCode);
            Assert.DoesNotContain("main.bicep: ok", output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
