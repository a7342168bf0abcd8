using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost;
using Omni.DevHost.Sandbox;

namespace Omni.Perf;

// Self-contained (only the DevHost and the BCL), so the end-to-end test project can compile it too (a linked file):
// the load engine, the delivery check shared by `e2e` and `load`, and the process memory sampler.

/// <summary>Outcome of one POST /api/messages.</summary>
/// <param name="Sent">When the request started, relative to the run's start.</param>
internal sealed record PostOutcome(int Index, string? MessageId, int Status, string? Error, TimeSpan Sent, TimeSpan Elapsed)
{
    public bool Ok => MessageId is not null && Status is >= 200 and < 300;
}

/// <summary>Talks to a running DevHost: contacts, messages, the sandbox, the queues.</summary>
internal sealed class OmniLoadClient(DevHostServer server, HttpClient http)
{
    public DevHostServer Server { get; } = server;

    public HttpClient Http { get; } = http;

    /// <summary>An HttpClient sized for load (many connections, no proxy, 60 s timeout) that sends <paramref name="server"/>'s function key.</summary>
    public static HttpClient CreateHttpClient(DevHostServer server)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromSeconds(60) };
        server.Keys.AddTo(http);
        return http;
    }

    private Uri Api(string relative) => new(Server.BaseAddress, "api/" + relative);

    /// <summary>Sandbox providers answer at once and report delivered at once (latencyMs 0, reportDelayMs 0).</summary>
    public void ZeroLatencySandbox(int reportDelayMs = 0) =>
        Server.Sandbox.Rules.Replace([new SandboxRule { LatencyMs = 0, ReportDelayMs = reportDelayMs, Report = SandboxReport.Delivered }]);

    /// <summary>Creates <paramref name="count"/> contacts with an SMS address only (transactional SMS needs no opt-in).</summary>
    public async Task<IReadOnlyList<string>> CreateContactsAsync(int count, int concurrency = 16, CancellationToken cancellationToken = default)
    {
        var prefix = "perf-" + Guid.NewGuid().ToString("N")[..8] + "-";
        var ids = Enumerable.Range(0, count).Select(i => prefix + i.ToString("D6", CultureInfo.InvariantCulture)).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                // +44 7400 1xxxxx: distinct per contact within a run (the Azurite is private to the run).
                var phone = "+4474001" + (i % 100_000).ToString("D5", CultureInfo.InvariantCulture);
                using var content = new StringContent($$"""{ "timeZone": "Etc/UTC", "addresses": { "sms": { "value": "{{phone}}" } } }""", Encoding.UTF8, "application/json");
                using var response = await Http.PutAsync(Api("contacts/" + ids[i]), content, ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"PUT /api/contacts: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            });
        return ids;
    }

    /// <summary>One single-channel transactional SMS (strategy first: no escalation check is scheduled).</summary>
    public async Task<PostOutcome> PostMessageAsync(int index, string contactId, Stopwatch clock, CancellationToken cancellationToken = default)
    {
        var sent = clock.Elapsed;
        try
        {
            using var content = new StringContent($$"""
                { "contactId": "{{contactId}}", "category": "transactional", "urgency": "normal", "strategy": "first",
                  "content": { "text": "Your code is {{index % 1_000_000:D6}}" } }
                """, Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(Api("messages"), content, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var elapsed = clock.Elapsed - sent;
            if (!response.IsSuccessStatusCode)
            {
                return new PostOutcome(index, null, (int)response.StatusCode, Truncate(body), sent, elapsed);
            }
            using var json = JsonDocument.Parse(body);
            return new PostOutcome(index, json.RootElement.GetProperty("id").GetString(), (int)response.StatusCode, null, sent, elapsed);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return new PostOutcome(index, null, 0, e.GetType().Name + ": " + e.Message, sent, clock.Elapsed - sent);
        }
    }

    public async Task<JsonElement?> GetMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(Api("messages/" + id), cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone()
            : null;
    }

    /// <summary>Messages still in the emulated queues (active, scheduled or locked) and dead letters, over every queue.</summary>
    public (int InFlight, int DeadLettered) QueueState()
    {
        var inFlight = 0;
        var dead = 0;
        foreach (var queue in Server.ServiceBus.Queues)
        {
            var s = queue.Snapshot(includeBodies: false);
            inFlight += s.Active + s.Scheduled + s.Locked;
            dead += s.DeadLettered;
        }
        return (inFlight, dead);
    }

    /// <summary>
    /// Waits until <paramref name="expectedCalls"/> sandbox sends were seen, no report is pending and the queues are empty
    /// (held for 300 ms), or the timeout passes. True when drained.
    /// </summary>
    public async Task<bool> WaitForDrainAsync(SandboxCallCollector calls, int expectedCalls, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        var quietSince = (TimeSpan?)null;
        while (deadline.Elapsed < timeout)
        {
            calls.Poll();
            var idle = calls.Count >= expectedCalls && Server.Sandbox.Reporter.Pending == 0 && QueueState().InFlight == 0;
            if (idle)
            {
                quietSince ??= deadline.Elapsed;
                if (deadline.Elapsed - quietSince >= TimeSpan.FromMilliseconds(300))
                {
                    return true;
                }
            }
            else
            {
                quietSince = null;
            }
            await Task.Delay(50, cancellationToken);
        }
        return false;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>
/// Collects the sandbox's sends as they happen: its log keeps only the most recent <see cref="SandboxCallLog.Capacity"/>,
/// so it is polled (often enough that fewer than that arrive between polls) and every call is kept by id, latest version.
/// </summary>
internal sealed class SandboxCallCollector(ProviderSandbox sandbox)
{
    private readonly Dictionary<long, SandboxCall> _calls = [];
    private readonly Lock _lock = new();
    private long _firstId = long.MaxValue;
    private bool _gap;

    public int Count { get { lock (_lock) { return _calls.Count; } } }

    /// <summary>True when some calls were evicted from the sandbox log before a poll saw them (the check is then incomplete).</summary>
    public bool MissedSome { get { lock (_lock) { return _gap; } } }

    /// <summary>Clears the sandbox log and starts collecting from the next send.</summary>
    public void Start()
    {
        sandbox.Calls.Clear();
        lock (_lock)
        {
            _calls.Clear();
            _firstId = long.MaxValue;
            _gap = false;
        }
    }

    public void Poll()
    {
        var current = sandbox.Calls.List();
        lock (_lock)
        {
            var maxSeen = _calls.Count == 0 ? 0 : _calls.Keys.Max();
            if (current.Count > 0 && _calls.Count > 0 && current[0].Id > maxSeen + 1)
            {
                _gap = true;
            }
            foreach (var call in current)
            {
                _calls[call.Id] = call;
                _firstId = Math.Min(_firstId, call.Id);
            }
        }
    }

    /// <summary>A background loop polling every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Poll();
                await Task.Delay(interval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        Poll();
    }

    public IReadOnlyList<SandboxCall> All() { lock (_lock) { return [.. _calls.Values.OrderBy(c => c.Id)]; } }
}

/// <summary>One message's outcome as the API reports it.</summary>
internal sealed record DeliveredMessage(string Id, string Status, int Attempts, int DeliveredEntries, string? ProviderMessageId,
    DateTimeOffset AcceptedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ReportedAt)
{
    /// <summary>Accepted → the delivered status recorded (the record's last write).</summary>
    public TimeSpan Latency => UpdatedAt - AcceptedAt;
}

/// <summary>The "every message delivered exactly once" check over the API and the sandbox's sends.</summary>
internal sealed record DeliveryReport(IReadOnlyList<DeliveredMessage> Messages, IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0;

    /// <summary>Reads every accepted message once and checks: delivered, one SMS attempt, one delivered history entry,
    /// its provider message id sent exactly once by the sandbox (no replay), and no sandbox send for anything else.</summary>
    public static async Task<DeliveryReport> CheckAsync(OmniLoadClient client, IReadOnlyList<string> messageIds, SandboxCallCollector calls,
        int concurrency = 16, CancellationToken cancellationToken = default)
    {
        var problems = new ConcurrentQueue<string>();
        var results = new ConcurrentBag<DeliveredMessage>();
        await Parallel.ForEachAsync(messageIds, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            JsonElement? view = null;
            for (var attempt = 0; attempt < 3 && view is null; attempt++)
            {
                try
                {
                    view = await client.GetMessageAsync(id, ct);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(200, ct);
                }
            }
            if (view is not { } m)
            {
                problems.Enqueue($"{id}: GET /api/messages/{{id}} failed");
                return;
            }
            var attempts = m.GetProperty("attempts").EnumerateArray().ToList();
            var history = attempts.SelectMany(a => a.GetProperty("history").EnumerateArray()).ToList();
            var delivered = history.Where(h => h.GetProperty("status").GetString() == "delivered").ToList();
            var providerId = attempts.Count > 0 && attempts[0].TryGetProperty("providerMessageId", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            results.Add(new DeliveredMessage(id, m.GetProperty("status").GetString() ?? "", attempts.Count, delivered.Count, providerId,
                m.GetProperty("acceptedAt").GetDateTimeOffset(), m.GetProperty("updatedAt").GetDateTimeOffset(),
                delivered.Count > 0 ? delivered[0].GetProperty("at").GetDateTimeOffset() : null));
        });

        var messages = results.OrderBy(r => r.AcceptedAt).ToList();
        foreach (var m in messages)
        {
            if (m.Status != "delivered")
            {
                problems.Enqueue($"{m.Id}: status {m.Status}, not delivered");
            }
            else if (m.Attempts != 1 || m.DeliveredEntries != 1)
            {
                problems.Enqueue($"{m.Id}: {m.Attempts} attempts, {m.DeliveredEntries} delivered history entries (want 1 and 1)");
            }
        }

        calls.Poll();
        var sends = calls.All();
        if (calls.MissedSome)
        {
            problems.Enqueue("some sandbox calls were evicted from its log before they were collected: exactly-once not proven");
        }
        var byProviderId = sends.Where(c => c.ProviderMessageId is not null).GroupBy(c => c.ProviderMessageId!).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var m in messages.Where(m => m.Status == "delivered"))
        {
            if (m.ProviderMessageId is null || !byProviderId.TryGetValue(m.ProviderMessageId, out var forMessage))
            {
                problems.Enqueue($"{m.Id}: the sandbox has no send with its provider message id");
            }
            else if (forMessage.Count != 1 || forMessage[0].Replays != 0)
            {
                problems.Enqueue($"{m.Id}: {forMessage.Count} sandbox sends, {forMessage.Sum(c => c.Replays)} replays (want 1 and 0)");
            }
        }
        if (sends.Count != messageIds.Count)
        {
            problems.Enqueue($"the sandbox received {sends.Count} sends for {messageIds.Count} messages");
        }
        var failedReports = sends.Count(c => c.ReportStatus == "delivered" && !c.ReportPosted);
        if (failedReports > 0)
        {
            problems.Enqueue($"{failedReports} delivery reports were not accepted by the webhook");
        }
        return new DeliveryReport(messages, [.. problems]);
    }
}

/// <summary>One memory sample of the handler and of this process (DevHost + driver).</summary>
internal sealed record MemorySample(TimeSpan At, long HandlerRssBytes, long HandlerPrivateBytes, long SelfRssBytes, long SelfManagedBytes, long AzuriteRssBytes);

/// <summary>
/// Samples resident set (working set) and private memory of the handler process, this process and Azurite. On Linux
/// from /proc/{pid}/status (VmRSS, RssAnon = private anonymous pages); elsewhere from <see cref="Process"/>.
/// </summary>
internal sealed class MemorySampler(Func<int?> handlerPid, Func<int?> azuritePid)
{
    private readonly List<MemorySample> _samples = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<MemorySample> Samples { get { lock (_lock) { return [.. _samples]; } } }

    public async Task RunAsync(Stopwatch clock, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Sample(clock);
                await Task.Delay(interval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        Sample(clock);
    }

    public void Sample(Stopwatch clock)
    {
        var (handlerRss, handlerPrivate) = Read(handlerPid());
        var (selfRss, _) = Read(Environment.ProcessId);
        var (azuriteRss, _) = Read(azuritePid());
        lock (_lock)
        {
            _samples.Add(new MemorySample(clock.Elapsed, handlerRss, handlerPrivate, selfRss, GC.GetTotalMemory(false), azuriteRss));
        }
    }

    /// <summary>(resident bytes, private bytes) of a process, zeros when it is gone.</summary>
    public static (long Rss, long Private) Read(int? pid)
    {
        if (pid is not { } id)
        {
            return (0, 0);
        }
        try
        {
            var status = $"/proc/{id}/status";
            if (File.Exists(status))
            {
                long rss = 0, anon = 0;
                foreach (var line in File.ReadLines(status))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        rss = Kilobytes(line) * 1024;
                    }
                    else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                    {
                        anon = Kilobytes(line) * 1024;
                    }
                }
                return (rss, anon);
            }
            using var process = Process.GetProcessById(id);
            return (process.WorkingSet64, process.PrivateMemorySize64);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}

/// <summary>Settings of one open-loop load run.</summary>
internal sealed record LoadRunOptions
{
    /// <summary>POSTs per second, started on schedule whatever the answers take (open loop).</summary>
    public double Rate { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Distinct contacts the messages cycle through.</summary>
    public int Contacts { get; init; } = 200;

    /// <summary>How long after the last POST every message must be delivered.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first part of the run, excluded from the memory baseline.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest allowed growth of the handler's resident memory from just after warm-up to the end of the run.</summary>
    public long MemoryGrowthLimitBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>What a load run measured and which invariants failed.</summary>
internal sealed record LoadRunResult(
    LoadRunOptions Options,
    IReadOnlyList<PostOutcome> Posts,
    TimeSpan SendingTook,
    TimeSpan MaxScheduleLag,
    bool Drained,
    DeliveryReport Delivery,
    IReadOnlyList<MemorySample> Memory,
    long HandlerRssAfterWarmUp,
    long HandlerRssAtEnd,
    IReadOnlyList<string> Failures)
{
    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// An open-loop load run against a running DevHost: POST /api/messages at a fixed rate for a fixed time, then wait for
/// every message to be delivered, check each was delivered exactly once, and check the handler's memory stayed flat.
/// </summary>
internal static class LoadTestEngine
{
    public static async Task<LoadRunResult> RunAsync(DevHostServer server, LoadRunOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        using var http = OmniLoadClient.CreateHttpClient(server);
        var client = new OmniLoadClient(server, http);
        client.ZeroLatencySandbox();
        var contacts = await client.CreateContactsAsync(options.Contacts, cancellationToken: cancellationToken);
        progress?.Invoke($"{contacts.Count} contacts created");

        // Warm the path once (first JIT, table creation) outside the measurement.
        var calls = new SandboxCallCollector(server.Sandbox);
        calls.Start();
        var warm = await client.PostMessageAsync(-1, contacts[0], Stopwatch.StartNew(), cancellationToken);
        if (!warm.Ok || !await client.WaitForDrainAsync(calls, 1, TimeSpan.FromSeconds(30), cancellationToken))
        {
            return Failed(options, $"the warm-up message was not delivered: {warm.Status} {warm.Error}");
        }

        calls.Start();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var collecting = calls.RunAsync(TimeSpan.FromMilliseconds(100), stop.Token);
        var sampler = new MemorySampler(() => server.Handler.ProcessId, () => null);
        var sampling = sampler.RunAsync(clock, TimeSpan.FromMilliseconds(500), stop.Token);

        var total = (int)Math.Round(options.Rate * options.Duration.TotalSeconds);
        var posts = new Task<PostOutcome>[total];
        var maxLag = TimeSpan.Zero;
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / options.Rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }
            var lag = clock.Elapsed - due;
            if (lag > maxLag)
            {
                maxLag = lag;
            }
            var index = i;
            posts[i] = Task.Run(() => client.PostMessageAsync(index, contacts[index % contacts.Count], clock, cancellationToken), cancellationToken);
            if (progress is not null && i > 0 && i % (int)Math.Max(1, options.Rate * 10) == 0)
            {
                progress($"{clock.Elapsed.TotalSeconds:F0} s: {i} posted, in flight in the queues {client.QueueState().InFlight}");
            }
        }
        var outcomes = await Task.WhenAll(posts);
        var sendingTook = clock.Elapsed;
        var accepted = outcomes.Where(o => o.Ok).Select(o => o.MessageId!).ToList();
        var drained = await client.WaitForDrainAsync(calls, accepted.Count, options.DrainTimeout, cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(collecting, sampling);
        progress?.Invoke($"sent {total} in {sendingTook.TotalSeconds:F1} s, drained {drained} at {clock.Elapsed.TotalSeconds:F1} s; checking every message");

        var delivery = await DeliveryReport.CheckAsync(client, accepted, calls, cancellationToken: cancellationToken);

        var failures = new List<string>();
        var errors = outcomes.Where(o => !o.Ok).ToList();
        if (errors.Count > 0)
        {
            failures.Add($"{errors.Count} POSTs failed, e.g. {errors[0].Status} {errors[0].Error}");
        }
        if (!drained)
        {
            failures.Add($"not drained {options.DrainTimeout.TotalSeconds:F0} s after the last POST (queues in flight {client.QueueState().InFlight}, sandbox sends {calls.Count}/{accepted.Count})");
        }
        if (client.QueueState().DeadLettered > 0)
        {
            failures.Add($"{client.QueueState().DeadLettered} dead-lettered queue messages");
        }
        failures.AddRange(delivery.Problems.Take(10).Select(p => "delivery: " + p));
        if (delivery.Problems.Count > 10)
        {
            failures.Add($"delivery: … {delivery.Problems.Count - 10} more");
        }

        // Memory: the handler's resident set right after warm-up (median of the next 5 s) against the end of the run
        // (median of the last 5 s of sending). A leak of a few KB per message shows up as growth over the limit.
        var samples = sampler.Samples.Where(s => s.HandlerRssBytes > 0).ToList();
        var afterWarmUp = MedianRss(samples.Where(s => s.At >= options.WarmUp && s.At < options.WarmUp + TimeSpan.FromSeconds(5)));
        var atEnd = MedianRss(samples.Where(s => s.At >= sendingTook - TimeSpan.FromSeconds(5) && s.At <= sendingTook));
        if (options.Duration > options.WarmUp + TimeSpan.FromSeconds(10))
        {
            if (afterWarmUp == 0 || atEnd == 0)
            {
                failures.Add("no handler memory samples");
            }
            else if (atEnd - afterWarmUp > options.MemoryGrowthLimitBytes)
            {
                failures.Add($"handler memory grew {(atEnd - afterWarmUp) / 1048576.0:F1} MB after warm-up (limit {options.MemoryGrowthLimitBytes / 1048576.0:F0} MB)");
            }
        }
        return new LoadRunResult(options, outcomes, sendingTook, maxLag, drained, delivery, sampler.Samples, afterWarmUp, atEnd, failures);
    }

    private static long MedianRss(IEnumerable<MemorySample> samples)
    {
        var sorted = samples.Select(s => s.HandlerRssBytes).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    private static LoadRunResult Failed(LoadRunOptions options, string failure) =>
        new(options, [], TimeSpan.Zero, TimeSpan.Zero, false, new DeliveryReport([], []), [], 0, 0, [failure]);
}
