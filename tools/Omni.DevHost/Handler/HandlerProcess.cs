using System.Diagnostics;
using Omni.DevHost.Storage;
using Omni.Hosting;

namespace Omni.DevHost.Handler;

/// <summary>
/// The custom handler as the Functions host runs it: host.json's executable with the host's environment variables,
/// ready once <c>GET /</c> answers (polled every 25 ms, up to 30 s), restarted when it exits, and given up on after
/// three failures in 30 minutes (the host then stops the app; the DevHost stops too). <see cref="Kill"/> crashes it on
/// purpose (a fault drill): it is restarted like after any exit, but a deliberate kill does not count toward that budget.
/// </summary>
public sealed class HandlerProcess : IAsyncDisposable
{
    private const int ErrorThreshold = 3;
    private static readonly TimeSpan ErrorWindow = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan InitializationTimeout = TimeSpan.FromSeconds(30);

    private readonly FunctionAppManifest _manifest;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly ILogger _logger;
    private readonly ILogger _console;
    private readonly Action<string> _onFatal;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<DateTimeOffset> _errors = [];
    private readonly object _gate = new();
    private TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<int> _deliberateKills = [];
    private Process? _process;
    private bool _stopping;
    private int _restarts;
    private int _port;
    private int _inFlight;

    public HandlerProcess(FunctionAppManifest manifest, IReadOnlyDictionary<string, string> environment, ILoggerFactory loggers, Action<string> onFatal)
    {
        _manifest = manifest;
        _environment = environment;
        _logger = loggers.CreateLogger("Omni.DevHost.Handler");
        _console = loggers.CreateLogger("Host.Function.Console");
        _onFatal = onFatal;
    }

    /// <summary>The handler's process id while it runs (tests use it to kill the handler mid-run).</summary>
    public int? ProcessId { get { lock (_gate) { return _process is { HasExited: false } p ? p.Id : null; } } }

    /// <summary>How many times the handler was restarted after it exited (crashed, killed, or failed to start).</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>The port the current handler process was given (a new free one on each start); null before the first.</summary>
    public int? Port { get { var port = Volatile.Read(ref _port); return port == 0 ? null : port; } }

    /// <summary>Trigger invocations posted to the handler and not answered yet.</summary>
    public int InvocationsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts a trigger invocation as in flight until the result is disposed.</summary>
    internal IDisposable TrackInvocation()
    {
        Interlocked.Increment(ref _inFlight);
        return new InvocationScope(this);
    }

    private sealed class InvocationScope(HandlerProcess owner) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref owner._inFlight);
            }
        }
    }

    /// <summary>
    /// Kills the running handler and its process tree at once (SIGKILL, like a crash or an out-of-memory kill): invocations
    /// in flight fail (their queue messages are abandoned and redelivered, HTTP callers get 500), and the handler is
    /// restarted as after any exit. Unlike a crash, a deliberate kill does not count toward the three-failures budget.
    /// Returns the killed process id, or null when no handler was running.
    /// </summary>
    public int? Kill()
    {
        var pid = Terminate(runningAt: null);
        if (pid is not null)
        {
            _logger.LogWarning("Killed the handler (pid {Pid}) on request; invocations wait for its restart", pid);
        }
        return pid;
    }

    /// <summary>
    /// What the host does when an invocation passes <c>functionTimeout</c>: kills the handler that was sent the invocation
    /// (at <paramref name="baseAddress"/>) and restarts it, failing every invocation in flight, without counting toward the
    /// three-failures budget. Nothing happens when that handler is already gone (another invocation that timed out with
    /// it restarted it), so its successor is not killed too. Returns the killed process id, or null.
    /// </summary>
    internal int? RestartAfterTimeout(Uri baseAddress) => Terminate(baseAddress);

    private int? Terminate(Uri? runningAt)
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
            if (process is null || _stopping || process.HasExited)
            {
                return null;
            }
            if (runningAt is not null && !(_ready.Task.IsCompletedSuccessfully && _ready.Task.Result == runningAt))
            {
                return null;
            }
            _deliberateKills.Add(process.Id);
            // Invocations from now on wait for the restarted handler instead of failing against the dead one.
            if (_ready.Task.IsCompleted)
            {
                _ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        Kill(process);
        return process.Id;
    }

    /// <summary>
    /// Called when an invocation could not reach the handler at <paramref name="baseAddress"/>: if the process is gone
    /// (checked for up to 250 ms, as the exit may lag the dropped connection), later invocations wait for the restart
    /// instead of failing against the dead port before the exit is noticed, and burning the message's deliveries.
    /// </summary>
    internal async Task OnUnreachableAsync(Uri baseAddress)
    {
        for (var i = 0; i < 10; i++)
        {
            lock (_gate)
            {
                if (_process is not { } process || _stopping || !_ready.Task.IsCompletedSuccessfully || _ready.Task.Result != baseAddress)
                {
                    return; // already restarting, stopping, or another handler is up
                }
                if (process.HasExited)
                {
                    _ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
                    return;
                }
            }
            await Task.Delay(25);
        }
    }

    /// <summary>Starts the handler and waits until it answers <c>GET /</c>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await LaunchAsync(cancellationToken);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>The handler's base address once it is ready; invocations wait here while it (re)starts, like the host's.</summary>
    public Task<Uri> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        Task<Uri> ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }
        return ready.WaitAsync(cancellationToken);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var port = Azurite.FreeTcpPort();
        Volatile.Write(ref _port, port);
        var workerId = Guid.NewGuid().ToString();
        var injected = new Dictionary<string, string>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
            ["FUNCTIONS_HTTPWORKER_PORT"] = port.ToString(),
            ["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = workerId,
            ["FUNCTIONS_HTTPWORKER_ID"] = workerId,
            ["FUNCTIONS_APP_ROOT_PATH"] = _manifest.Root,
        };
        var start = new ProcessStartInfo(ResolveExecutable())
        {
            WorkingDirectory = _manifest.Host.WorkingDirectory is { Length: > 0 } wd ? Path.Combine(_manifest.Root, wd) : _manifest.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        foreach (var (key, value) in injected)
        {
            start.Environment[key] = value;
        }
        foreach (var argument in _manifest.Host.Arguments)
        {
            // The host replaces the variables it injects, then expands the rest from the environment.
            var expanded = injected.Aggregate(argument, (text, v) => text.Replace($"%{v.Key}%", v.Value, StringComparison.OrdinalIgnoreCase));
            start.ArgumentList.Add(Environment.ExpandEnvironmentVariables(expanded));
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _console.LogInformation("{Line}", e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            if (e.Data.Contains("warn", StringComparison.OrdinalIgnoreCase))
            {
                _console.LogWarning("{Line}", e.Data);
            }
            else
            {
                _console.LogError("{Line}", e.Data);
            }
        };
        process.Exited += (_, _) => _ = OnExitedAsync(process);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_gate)
        {
            _process = process;
        }
        _logger.LogInformation("Started handler {Executable} (pid {Pid}) on port {Port}", start.FileName, process.Id, port);

        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < InitializationTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                return; // OnExitedAsync reports and restarts.
            }
            try
            {
                using var response = await _probe.GetAsync(baseAddress, cancellationToken);
                // Any HTTP answer means ready, whatever the status (the host's IsWorkerReady).
                lock (_gate)
                {
                    _ready.TrySetResult(baseAddress);
                }
                _logger.LogInformation("Handler ready after {Elapsed} ms", deadline.ElapsedMilliseconds);
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(25, cancellationToken);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        _logger.LogError("Initializing the handler timed out after {Timeout}", InitializationTimeout);
        Kill(process);
    }

    private async Task OnExitedAsync(Process process)
    {
        bool restart;
        lock (_gate)
        {
            if (!ReferenceEquals(process, _process) || _stopping)
            {
                return;
            }
            if (_ready.Task.IsCompleted)
            {
                _ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            var now = DateTimeOffset.UtcNow;
            if (!_deliberateKills.Remove(process.Id))
            {
                _errors.Add(now);
            }
            _errors.RemoveAll(t => now - t > ErrorWindow);
            restart = _errors.Count < ErrorThreshold;
            if (restart)
            {
                _restarts++;
            }
        }
        _logger.LogWarning("Handler (pid {Pid}) exited with code {Code}", process.Id, SafeExitCode(process));
        if (!restart)
        {
            lock (_gate)
            {
                _ready.TrySetException(new InvalidOperationException("The handler keeps failing to start or run; see its output above."));
            }
            _onFatal($"The handler failed {ErrorThreshold} times within {ErrorWindow.TotalMinutes} minutes; stopping, as the Functions host would.");
            return;
        }
        // The host restarts the worker after a short pause; a pause also gives Ctrl-C time to mark the DevHost as stopping.
        await Task.Delay(500);
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
        }
        try
        {
            await LaunchAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            _onFatal($"Restarting the handler failed: {e.Message}");
        }
    }

    private string ResolveExecutable()
    {
        var configured = Environment.ExpandEnvironmentVariables(_manifest.Host.DefaultExecutablePath);
        var local = Path.Combine(_manifest.Root, configured);
        if (File.Exists(local))
        {
            return local;
        }
        if (OperatingSystem.IsWindows() && File.Exists(local + ".exe"))
        {
            return local + ".exe";
        }
        // Like the host: a path that is not under the app root is looked up on PATH.
        return configured;
    }

    private static int? SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>From now on an exit is expected: no restart.</summary>
    public void MarkStopping()
    {
        lock (_gate)
        {
            _stopping = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Process? process;
        lock (_gate)
        {
            _stopping = true;
            process = _process;
        }
        if (process is not null)
        {
            Kill(process);
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _logger.LogError("Handler (pid {Pid}) did not exit within 10 s", process.Id);
            }
            process.Dispose();
        }
        _probe.Dispose();
    }
}
