using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Omni.DevHost.Storage;
using Omni.Hosting;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// `dotnet publish` of the function app is the deployable folder: host.json, every function folder with its
/// function.json, and a self-contained linux-x64 executable with its run bit, which starts the way the host starts it.
/// </summary>
public sealed class PublishLayoutTests(PublishedApp app) : IClassFixture<PublishedApp>
{
    private readonly string _output = app.Output;

    [Fact]
    public void Publish_Output_IsAFunctionAppWithEveryFunctionFolder()
    {
        var published = FunctionAppManifest.Load(_output);
        var source = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "functions"), "function.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p))!)
            .Order()
            .ToList();

        Assert.NotEmpty(source);
        Assert.Equal(source, published.Functions.Select(f => f.Name).Order());
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "host.json")), File.ReadAllText(Path.Combine(_output, "host.json")));
        // functions/local.settings.sample.json exists in the source; settings files must never ship.
        Assert.Empty(Directory.GetFiles(_output, "local.settings*.json", SearchOption.AllDirectories));
        // A default publish is for function keys: every function.json as written.
        foreach (var function in published.Functions)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "functions", function.Name, "function.json")),
                File.ReadAllText(Path.Combine(_output, function.Name, "function.json")));
        }
    }

    /// <summary>
    /// OmniAuthMode=EntraId (what ./omni publish passes for OMNI_AUTH_MODE=EntraId) rewrites the published copies only:
    /// every caller-facing function (authLevel function or admin) becomes anonymous, nothing else in any file changes.
    /// The target runs on a copy of the function folders, as it runs on the publish folder after Publish.
    /// </summary>
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

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Publish_Executable_IsSelfContainedLinuxX64WithRunBit()
    {
        var manifest = FunctionAppManifest.Load(_output);
        var executable = Path.Combine(_output, manifest.Host.DefaultExecutablePath);

        Assert.True(File.Exists(executable), $"host.json names {manifest.Host.DefaultExecutablePath}, which is not in the publish output");
        Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "the executable has no run bit");
        // ELF, not a script or a framework-dependent dll launcher left to chance.
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], File.ReadAllBytes(executable).Take(4));
        Assert.True(File.Exists(Path.Combine(_output, "libcoreclr.so")), "the runtime is not in the folder: not self-contained");
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "Omni.Functions.runtimeconfig.json")));
        Assert.True(runtimeConfig.RootElement.GetProperty("runtimeOptions").TryGetProperty("includedFrameworks", out _));
    }

    [Fact]
    public async Task Publish_Executable_StartsLikeTheHostStartsIt()
    {
        var port = Azurite.FreeTcpPort();
        var start = new ProcessStartInfo(Path.Combine(_output, "Omni.Functions"))
        {
            WorkingDirectory = _output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Only what the host provides: no DOTNET_ROOT, so a framework-dependent build could not start.
            Environment =
            {
                ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
                ["FUNCTIONS_APP_ROOT_PATH"] = _output,
                ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
                ["ServiceBusConnection"] = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true",
                ["DOTNET_ROOT"] = "/nonexistent",
                ["PATH"] = "/usr/bin:/bin",
            },
        };
        using var handler = Process.Start(start)!;
        handler.OutputDataReceived += (_, _) => { };
        handler.ErrorDataReceived += (_, _) => { };
        handler.BeginOutputReadLine();
        handler.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var status = await DevHostFixture.EventuallyAsync<HttpStatusCode?>(async () =>
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/");
                return response.StatusCode;
            }, _ => true, "the published handler's readiness answer", TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            handler.Kill(entireProcessTree: true);
            await handler.WaitForExitAsync();
        }
    }
}

/// <summary>One `dotnet publish -c Release` into a temporary folder for the whole class.</summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public string Output { get; } = Directory.CreateTempSubdirectory("omni-publish-").FullName;

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (var arg in new[] { "publish", "functions/Omni.Functions.csproj", "-c", "Release", "-o", Output, "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }
        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(8));
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Output, recursive: true);
        return Task.CompletedTask;
    }
}
