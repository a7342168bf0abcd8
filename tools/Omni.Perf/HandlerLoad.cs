using System.Diagnostics;

namespace Omni.Perf;

/// <summary>What one load phase measured: successful requests, failures, wall time and the sorted latencies of the successes.</summary>
internal sealed record LoadResult(string Name, int Succeeded, int Failed, double Seconds, double[] SortedLatenciesMs, string? FirstFailure)
{
    public double RequestsPerSecond => Seconds > 0 ? Succeeded / Seconds : 0;

    public double P50 => PerfStats.Percentile(SortedLatenciesMs, 50);

    public double P99 => PerfStats.Percentile(SortedLatenciesMs, 99);

    public double Max => SortedLatenciesMs.Length > 0 ? SortedLatenciesMs[^1] : double.NaN;
}

/// <summary>
/// The two load shapes of the handler benchmark. <b>Closed loop</b>: a fixed number of workers, each sending its next
/// request when the previous one answered — the maximum throughput at that concurrency. <b>Open loop</b>: requests
/// start on a fixed schedule (rate per second) whatever the answers do, and each latency is measured from the time the
/// request was <i>due</i>, so a stall shows in the percentiles instead of silently lowering the rate (no coordinated omission).
/// </summary>
internal static class HandlerLoad
{
    /// <summary>Sends one request (built from its index) and says why it failed, or null when it succeeded.</summary>
    public delegate Task<string?> Send(int index, CancellationToken cancellationToken);

    public static async Task<LoadResult> ClosedLoopAsync(string name, Send send, int concurrency, TimeSpan duration, int firstIndex = 0,
        int? maxRequests = null, CancellationToken cancellationToken = default)
    {
        var next = firstIndex - 1;
        var limit = maxRequests is { } max ? firstIndex + max : int.MaxValue;
        var failed = 0;
        string? firstFailure = null;
        var perWorker = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var latencies = perWorker[w] = new List<double>(4096);
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= limit)
                {
                    return;
                }
                var started = Stopwatch.GetTimestamp();
                var failure = await SafeSendAsync(send, index, cancellationToken);
                var elapsed = PerfStats.Milliseconds(Stopwatch.GetTimestamp() - started);
                if (failure is null)
                {
                    latencies.Add(elapsed);
                }
                else if (Interlocked.Increment(ref failed) == 1)
                {
                    firstFailure = failure;
                }
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var all = perWorker.SelectMany(l => l ?? []).ToArray();
        Array.Sort(all);
        return new LoadResult(name, all.Length, failed, seconds, all, firstFailure);
    }

    public static async Task<LoadResult> OpenLoopAsync(string name, Send send, double ratePerSecond, TimeSpan duration, int firstIndex = 0,
        CancellationToken cancellationToken = default)
    {
        var count = (int)Math.Round(ratePerSecond * duration.TotalSeconds);
        var latencies = new double[count];
        var ok = new bool[count];
        var failed = 0;
        string? firstFailure = null;
        var tasks = new Task[count];
        var interval = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                var aheadMs = PerfStats.Milliseconds(due - Stopwatch.GetTimestamp());
                if (aheadMs > 1.5)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(aheadMs - 1), cancellationToken);
                }
                else
                {
                    Thread.SpinWait(50);
                }
            }
            var slot = i;
            tasks[i] = Task.Run(async () =>
            {
                var failure = await SafeSendAsync(send, firstIndex + slot, cancellationToken);
                latencies[slot] = PerfStats.Milliseconds(Stopwatch.GetTimestamp() - due);
                if (failure is null)
                {
                    ok[slot] = true;
                }
                else if (Interlocked.Increment(ref failed) == 1)
                {
                    firstFailure = failure;
                }
            }, CancellationToken.None);
        }
        await Task.WhenAll(tasks);
        var seconds = PerfStats.Milliseconds(Stopwatch.GetTimestamp() - start) / 1000;
        var succeeded = latencies.Where((_, i) => ok[i]).ToArray();
        Array.Sort(succeeded);
        return new LoadResult(name, succeeded.Length, failed, seconds, succeeded, firstFailure);
    }

    private static async Task<string?> SafeSendAsync(Send send, int index, CancellationToken cancellationToken)
    {
        try
        {
            return await send(index, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
