using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Omni.DevHost.Storage;

/// <summary>
/// Azurite's Table service, started as a child process (or an instance already listening, adopted as is).
/// Azurite is the official Azure Storage emulator; the run command installs it from npm into tools/node_modules.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>The well-known development account (Azurite's README): name and key are public by design.</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    public const int DefaultTablePort = 10002;

    private readonly Process? _process;

    private Azurite(int tablePort, Process? process)
    {
        TablePort = tablePort;
        _process = process;
    }

    public int TablePort { get; }

    /// <summary>The process id of an Azurite this object started.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True when this object started the process (and so stops it on dispose).</summary>
    public bool Owned => _process is not null;

    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/{AccountName}");

    /// <summary>A connection string for the Table endpoint in the standard account-key form.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={TableEndpoint};";

    /// <summary>Uses an Azurite already listening on <paramref name="port"/>, or starts one there.</summary>
    public static async Task<Azurite> EnsureRunningAsync(int port, string? location, CancellationToken cancellationToken = default)
    {
        if (await IsListeningAsync(port, cancellationToken))
        {
            return new Azurite(port, process: null);
        }
        return await StartAsync(port, location, cancellationToken);
    }

    /// <summary>Starts a private in-memory Azurite on a free port (for tests).</summary>
    public static async Task<Azurite> StartInMemoryAsync(CancellationToken cancellationToken = default)
    {
        // Azurite cannot report a port it picked itself, so choose one and retry if another process takes it first.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartAsync(FreeTcpPort(), location: null, cancellationToken);
            }
            catch (AzuriteStartException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task<Azurite> StartAsync(int port, string? location, CancellationToken cancellationToken)
    {
        var executable = FindExecutable()
            ?? throw new AzuriteStartException(
                "azurite-table was not found. Run `npm ci --prefix tools` (the README's run and test commands do this), " +
                "or set OMNI_AZURITE to the azurite-table executable.");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--tableHost", "127.0.0.1", "--tablePort", port.ToString(), "--disableTelemetry", "--skipApiVersionCheck", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }
        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new AzuriteStartException("azurite-table did not start.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new Azurite(port, process);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new AzuriteStartException($"azurite-table exited with code {process.ExitCode}: {string.Join(" | ", output)}");
            }
            if (await IsListeningAsync(port, cancellationToken))
            {
                return azurite;
            }
            await Task.Delay(50, cancellationToken);
        }
        await azurite.DisposeAsync();
        throw new AzuriteStartException($"azurite-table did not listen on port {port} within 20 s: {string.Join(" | ", output)}");
    }

    /// <summary>OMNI_AZURITE, then tools/node_modules/.bin above the current or base directory, then PATH.</summary>
    internal static string? FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("OMNI_AZURITE");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[]
                         {
                             Path.Combine(dir.FullName, "tools", "node_modules", ".bin", "azurite-table"),
                             Path.Combine(dir.FullName, "node_modules", ".bin", "azurite-table"),
                         })
                {
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
            }
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "azurite-table"))
            .FirstOrDefault(File.Exists);
    }

    internal static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}

public sealed class AzuriteStartException(string message) : Exception(message);
