using System.Diagnostics;
using Omni.Hosting;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// OmniAuthMode=EntraId (what ./omni publish passes for OMNI_AUTH_MODE=EntraId) rewrites the published copies only:
/// every caller-facing function (authLevel function or admin) becomes anonymous, nothing else in any file changes.
/// The target runs on a copy of the function folders, as it runs on the publish folder after Publish.
/// </summary>
public sealed class PublishAuthModeTests
{
    [Fact]
    public async Task EntraIdPublish_CallerFacingFunctionsBecomeAnonymous_NothingElseChanges()
    {
        var source = Path.Combine(TestPaths.RepositoryRoot, "functions");
        var copy = Directory.CreateTempSubdirectory("omni-entra-publish-").FullName;
        try
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "host.json"), Path.Combine(copy, "host.json"));
            foreach (var file in Directory.EnumerateFiles(source, "function.json", SearchOption.AllDirectories)
                         .Where(f => Path.GetDirectoryName(Path.GetDirectoryName(f)) == source))
            {
                var name = Path.GetFileName(Path.GetDirectoryName(file))!;
                Directory.CreateDirectory(Path.Combine(copy, name));
                File.Copy(file, Path.Combine(copy, name, "function.json"));
            }
            var before = FunctionAppManifest.Load(copy);
            var keyed = before.Functions.Where(f => f.IsHttpTriggered && f.Trigger.AuthLevel != "anonymous").Select(f => f.Name).ToList();
            Assert.Contains("SendMessage", keyed);
            Assert.Contains("EraseContact", keyed);

            var (exitCode, output) = await RunAsync("dotnet", "msbuild", "functions/Omni.Functions.csproj", "-t:OmniEntraIdAuthLevels",
                "-p:OmniAuthMode=EntraId", $"-p:PublishDir={copy}{Path.DirectorySeparatorChar}", "-nologo");
            Assert.True(exitCode == 0, output);

            var after = FunctionAppManifest.Load(copy);
            Assert.All(after.Functions.Where(f => f.IsHttpTriggered), f => Assert.Equal("anonymous", f.Trigger.AuthLevel));
            foreach (var function in before.Functions)
            {
                var original = File.ReadAllText(Path.Combine(source, function.Name, "function.json"));
                var expected = keyed.Contains(function.Name)
                    ? original.Replace($"\"authLevel\": \"{function.Trigger.AuthLevel}\"", "\"authLevel\": \"anonymous\"", StringComparison.Ordinal)
                    : original;
                Assert.Equal(expected.TrimEnd(), File.ReadAllText(Path.Combine(copy, function.Name, "function.json")).TrimEnd());
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task OmniPublish_UnknownAuthMode_FailsBeforeBuilding()
    {
        var (exitCode, output) = await RunAsync("env", "OMNI_AUTH_MODE=entra", "./omni", "publish");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("OMNI_AUTH_MODE must be FunctionKeys or EntraId", output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepositoryRoot };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}
