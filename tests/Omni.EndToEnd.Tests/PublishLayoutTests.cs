using System.Diagnostics;
using System.Net;
using Omni.DevHost.Storage;
using Omni.Hosting;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// `dotnet publish` of the function app is the deployable folder: host.json, every function folder with its
/// function.json, and a Native AOT linux-x64 executable with its run bit, which starts the way the host starts it.
/// Category Aot: run by <c>./omni aot-smoke</c> against the app it published (<see cref="PublishedApp"/>).
/// </summary>
[Trait("Category", PublishedApp.Category)]
public sealed class PublishLayoutTests
{
    [Fact]
    public async Task Publish_Output_IsAFunctionAppWithEveryFunctionFolder()
    {
        var output = await PublishedApp.RootAsync();
        var published = FunctionAppManifest.Load(output);
        var source = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "functions"), "function.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(p => Path.GetFileName(Path.GetDirectoryName(p))!)
            .Order()
            .ToList();

        Assert.NotEmpty(source);
        Assert.Equal(source, published.Functions.Select(f => f.Name).Order());
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "host.json")), File.ReadAllText(Path.Combine(output, "host.json")));
        // functions/local.settings.sample.json exists in the source; settings files must never ship.
        Assert.Empty(Directory.GetFiles(output, "local.settings*.json", SearchOption.AllDirectories));
        // A default publish is for function keys: every function.json as written.
        foreach (var function in published.Functions)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "functions", function.Name, "function.json")),
                File.ReadAllText(Path.Combine(output, function.Name, "function.json")));
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Publish_Executable_IsNativeLinuxX64WithRunBit()
    {
        var output = await PublishedApp.RootAsync();
        var manifest = FunctionAppManifest.Load(output);
        var executable = Path.Combine(output, manifest.Host.DefaultExecutablePath);

        Assert.True(File.Exists(executable), $"host.json names {manifest.Host.DefaultExecutablePath}, which is not in the publish output");
        Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "the executable has no run bit");
        // ELF, not a script or a framework-dependent dll launcher left to chance.
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], File.ReadAllBytes(executable).Take(4));
        Assert.Equal(0x3E, BitConverter.ToUInt16(File.ReadAllBytes(executable), 18)); // e_machine: x86-64
        // Native AOT: one executable, no runtime or IL beside it to load.
        Assert.False(File.Exists(Path.Combine(output, "libcoreclr.so")), "libcoreclr.so in the folder: a JIT build, not Native AOT");
        Assert.Empty(Directory.GetFiles(output, "*.dll"));
        Assert.Empty(Directory.GetFiles(output, "*.pdb").Concat(Directory.GetFiles(output, "*.dbg")));
    }

    [Fact]
    public async Task Publish_Executable_StartsLikeTheHostStartsIt()
    {
        var output = await PublishedApp.RootAsync();
        var port = Azurite.FreeTcpPort();
        var start = new ProcessStartInfo(Path.Combine(output, "Omni.Functions"))
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Only what the host provides: no DOTNET_ROOT, so a framework-dependent build could not start.
            Environment =
            {
                ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
                ["FUNCTIONS_APP_ROOT_PATH"] = output,
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

/// <summary>
/// The published Native AOT app root the Aot tests use: the folder <see cref="Variable"/> names (<c>./omni aot-smoke</c>
/// sets it to artifacts/app after publishing), or else one <c>dotnet publish -c Release</c> into a temporary folder for
/// the test run, so the tests also run on their own.
/// </summary>
public static class PublishedApp
{
    public const string Variable = "OMNI_AOT_APP";

    /// <summary>The trait of the tests that need the published app; <c>./omni test</c> runs them after publishing (also alone: <c>./omni aot-smoke</c>).</summary>
    public const string Category = "Aot";

    private static readonly Lazy<Task<string>> Root = new(ResolveAsync);

    public static Task<string> RootAsync() => Root.Value;

    private static async Task<string> ResolveAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            var full = Path.GetFullPath(given, TestPaths.RepositoryRoot);
            return File.Exists(Path.Combine(full, "host.json"))
                ? full
                : throw new InvalidOperationException($"{Variable}={given} has no host.json: publish first (./omni publish).");
        }
        var output = Directory.CreateTempSubdirectory("omni-publish-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (var arg in new[] { "publish", "functions/Omni.Functions.csproj", "-c", "Release", "-o", output, "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }
        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(20));
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
        }
        return output;
    }
}
