using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Omni.DevHost.Storage;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// What `./omni run` starts, as a separate process: health answers within 30 s, and an interrupt (Ctrl-C) stops the
/// DevHost together with the handler and the Azurite it started. The interrupt goes to the DevHost alone, the harder
/// case: in a terminal the whole process group gets it.
/// </summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task DevHostProcess_Interrupted_StopsHandlerAndAzuriteItStarted()
    {
        var port = Azurite.FreeTcpPort();
        var azuritePort = Azurite.FreeTcpPort();
        var devHostDll = Path.Combine(TestPaths.RepositoryRoot, "tools", "Omni.DevHost", "bin", TestPaths.Configuration, "net10.0", "Omni.DevHost.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        foreach (var arg in new[] { devHostDll, "--app-root", TestPaths.FunctionAppBuildOutput, "--port", port.ToString(), "--amqp-port", "0",
                     "--azurite-port", azuritePort.ToString(), "--azurite-location", Directory.CreateTempSubdirectory("omni-azurite-").FullName })
        {
            start.ArgumentList.Add(arg);
        }
        using var devHost = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        devHost.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        devHost.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        devHost.BeginOutputReadLine();
        devHost.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            var watch = Stopwatch.StartNew();
            await DevHostFixture.EventuallyAsync<HttpStatusCode?>(async () =>
            {
                using var response = await http.GetAsync(new Uri(baseAddress, "api/health"));
                return response.StatusCode;
            }, s => s == HttpStatusCode.OK, "health from the DevHost process", TimeSpan.FromSeconds(30));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));

            using var info = JsonDocument.Parse(await http.GetStringAsync(new Uri(baseAddress, "_devhost")));
            var handlerPid = info.RootElement.GetProperty("handlerPid").GetInt32();
            var azuritePid = info.RootElement.GetProperty("azurite").GetProperty("pid").GetInt32();
            Assert.True(info.RootElement.GetProperty("azurite").GetProperty("startedByDevHost").GetBoolean());

            using (var kill = Process.Start("kill", ["-INT", devHost.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            await devHost.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(IsRunning(handlerPid), "the handler outlived the DevHost");
            Assert.False(IsRunning(azuritePid), "Azurite outlived the DevHost");
            Assert.False(await Azurite.IsListeningAsync(azuritePort, CancellationToken.None));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Exception($"{e.Message}\nDevHost output:\n{string.Join('\n', output)}", e);
        }
        finally
        {
            if (!devHost.HasExited)
            {
                devHost.Kill(entireProcessTree: true);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
