using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Omni.DevHost.Storage;

/// <summary>
/// Azurite's Table service, started as a child process (or an instance already listening, adopted as is).
/// Azurite is the official Azure Storage emulator; the run command installs it from npm into tools/node_modules.
/// An Azurite this object started can be stopped and started again on the same port with the same data folder
/// (<see cref="StopAsync"/>, <see cref="StartAsync(CancellationToken)"/>), to drill a storage outage.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>The well-known development account (Azurite's README): name and key are public by design.</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    public const int DefaultTablePort = 10002;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string? _location;
    private Process? _process;
    private int _disposed;

    private Azurite(int tablePort, Process? process, string? location)
    {
        TablePort = tablePort;
        _process = process;
        _location = location;
        Owned = process is not null;
    }

    public int TablePort { get; }

    /// <summary>The process id of an Azurite this object started, while it runs.</summary>
    public int? ProcessId { get { var p = _process; return p is { HasExited: false } ? p.Id : null; } }

    /// <summary>True when this object started the process (and so stops it on dispose, and may stop and start it).</summary>
    public bool Owned { get; }

    /// <summary>Where the data is kept; null for an in-memory (or adopted) Azurite.</summary>
    public string? Location => _location;

    /// <summary>Azurite's version from its <c>Server</c> header (<c>Azurite-Table/3.37.0</c>), when it said.</summary>
    public string? Version { get; private set; }

    /// <summary>True while an Azurite this object started is running (always true for an adopted one).</summary>
    public bool IsRunning => !Owned || _process is { HasExited: false };

    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/{AccountName}");

    /// <summary>A connection string for the Table endpoint in the standard account-key form.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={TableEndpoint};";

    /// <summary>
    /// Uses an Azurite already listening on <paramref name="port"/>, or starts one there. Anything else listening there
    /// is refused at once: adopting it would only surface later as storage errors carrying its HTML.
    /// </summary>
    /// <exception cref="AzuriteStartException">Something that is not Azurite's Table service holds the port, or Azurite did not start.</exception>
    public static async Task<Azurite> EnsureRunningAsync(int port, string? location, CancellationToken cancellationToken = default)
    {
        if (await IsListeningAsync(port, cancellationToken))
        {
            var answer = await AzuriteProbe.IdentifyAsync(port, cancellationToken);
            if (!answer.IsAzuriteTable)
            {
                throw new AzuriteStartException(
                    $"port {port} (--azurite-port) is taken by something that is not Azurite's Table service ({answer.Description}); " +
                    "stop it, or pass --azurite-port <free port> (0: a private in-memory Azurite).");
            }
            return new Azurite(port, process: null, location: null) { Version = answer.Version };
        }
        return await LaunchedAsync(port, location, cancellationToken);
    }

    private static async Task<Azurite> LaunchedAsync(int port, string? location, CancellationToken cancellationToken)
    {
        var azurite = new Azurite(port, await LaunchAsync(port, location, cancellationToken), location);
        azurite.Version = (await AzuriteProbe.IdentifyAsync(port, cancellationToken)).Version;
        return azurite;
    }

    /// <summary>Starts a private in-memory Azurite on a free port (for tests).</summary>
    public static Task<Azurite> StartInMemoryAsync(CancellationToken cancellationToken = default) =>
        StartPrivateAsync(location: null, cancellationToken);

    /// <summary>
    /// Starts a private Azurite on a free port: in memory when <paramref name="location"/> is null, otherwise keeping its
    /// data in that folder, so that <see cref="StopAsync"/> then <see cref="StartAsync(CancellationToken)"/> loses nothing.
    /// </summary>
    public static async Task<Azurite> StartPrivateAsync(string? location, CancellationToken cancellationToken = default)
    {
        // Azurite cannot report a port it picked itself, so choose one and retry if another process takes it first.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await LaunchedAsync(FreeTcpPort(), location, cancellationToken);
            }
            catch (AzuriteStartException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// Stops an Azurite this object started, the way Ctrl-C does (SIGINT: it saves its data and closes), killing it if it
    /// has not exited within 10 s. Clients then get connection errors, as in a storage outage. No-op when already stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_process is { } process)
            {
                await StopProcessAsync(process);
                process.Dispose();
                _process = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts a stopped Azurite again on the same port with the same data folder (an in-memory one starts empty), and
    /// waits until it listens. No-op when it runs.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_process is { HasExited: false })
            {
                return;
            }
            _process?.Dispose();
            _process = null;
            // The port was ours a moment ago; retry briefly in case the old socket is still being torn down.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    _process = await LaunchAsync(TablePort, _location, cancellationToken);
                    return;
                }
                catch (AzuriteStartException) when (attempt < 3)
                {
                    await Task.Delay(200, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void EnsureOwned()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (!Owned)
        {
            throw new InvalidOperationException("This Azurite was already running when the DevHost started; only one the DevHost started can be stopped and started.");
        }
    }

    private static async Task<Process> LaunchAsync(int port, string? location, CancellationToken cancellationToken)
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

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new AzuriteStartException($"azurite-table exited with code {process.ExitCode}: {string.Join(" | ", output)}");
            }
            if (await IsListeningAsync(port, cancellationToken))
            {
                return process;
            }
            await Task.Delay(50, cancellationToken);
        }
        await StopProcessAsync(process);
        process.Dispose();
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

    private static readonly object PortGate = new();
    private static readonly HashSet<int> PortsHandedOut = [];

    /// <summary>
    /// A loopback port that is free now, for a child process (Azurite, the handler) to bind a moment later. It is chosen
    /// below the kernel's ephemeral range (Linux: 32768–60999; Windows: 49152–65535), so that the gap between this check
    /// and the child's bind cannot be filled by an outgoing connection's local port or by a server bound to port 0 — a
    /// port from the ephemeral range could be, and a readiness probe would then reach somebody else's server. A port is
    /// handed out at most once per process.
    /// </summary>
    public static int FreeTcpPort()
    {
        const int Low = 20000, High = 32000;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Low, High);
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                probe.Listen();
            }
            catch (SocketException)
            {
                continue; // in use
            }
            lock (PortGate)
            {
                if (PortsHandedOut.Add(port))
                {
                    return port;
                }
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGINT first where there are signals (Azurite then saves its data), a kill after 10 s or elsewhere.</summary>
    private static async Task StopProcessAsync(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }
            if (!OperatingSystem.IsWindows() && SendSignal(process.Id, SigInt) == 0)
            {
                try
                {
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    return;
                }
                catch (TimeoutException)
                {
                }
            }
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _gate.WaitAsync();
        try
        {
            if (_process is { } process)
            {
                if (_location is null)
                {
                    // Nothing to save: stop at once.
                    try
                    {
                        if (!process.HasExited)
                        {
                            process.Kill(entireProcessTree: true);
                            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                        }
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
                else
                {
                    await StopProcessAsync(process);
                }
                process.Dispose();
                _process = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

public sealed class AzuriteStartException(string message) : Exception(message);
