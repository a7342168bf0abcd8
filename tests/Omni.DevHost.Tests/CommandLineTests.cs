using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Omni.DevHost.Tests;

/// <summary>The DevHost command as a developer runs it (its built dll, as a child process).</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-cli-").FullName;

    public CommandLineTests()
    {
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            { "version": "2.0", "customHandler": { "description": { "defaultExecutablePath": "node", "arguments": ["handler.js"] } } }
            """);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Run_PortInUse_PrintsOneLineNamingTheOptionAndExitsNonZero()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var (exitCode, output, errors) = await RunAsync("--port", port.ToString(), "--app-root", _root, "--azurite-port", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"omni devhost: port {port} is in use (--port); stop the other process or pass --port <free port>", errors.TrimEnd());
    }

    [Fact]
    public async Task Run_AmqpPortInUse_PrintsOneLineNamingTheOptionAndExitsNonZero()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var (exitCode, output, errors) = await RunAsync("--port", "0", "--amqp-port", port.ToString(), "--app-root", _root, "--azurite-port", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"omni devhost: port {port} is in use (--amqp-port); stop the other process or pass --amqp-port <free port>", errors.TrimEnd());
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Omni.DevHost.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }
}
