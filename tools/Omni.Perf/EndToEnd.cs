using System.Diagnostics;
using System.Globalization;
using Omni.Azure.Tables;

namespace Omni.Perf;

/// <summary>
/// <c>e2e</c>: N single-channel SMS messages (default 10,000) from POST /api/messages to <c>delivered</c> through the
/// DevHost, the real handler, a private Azurite and zero-latency sandbox providers; messages per second, accept →
/// delivered p50/p99, peak memory, every message delivered exactly once. Then Azurite's raw single-entity insert rate at
/// the same concurrency, and the ratio msgs/s ÷ (insert rate ÷ Table transactions per message), target ≥ 50 %.
/// </summary>
internal static class EndToEnd
{
    public const double RatioTarget = 0.5;

    private static readonly string[] Known = ["messages", "concurrency", "contacts", "table-ops", "insert-seconds"];

    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> options;
        try
        {
            options = PerfStats.Options(args, Known);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var count = PerfStats.Int(options, "messages", 10_000);
        var concurrency = PerfStats.Int(options, "concurrency", 16);
        var contactCount = Math.Min(count, PerfStats.Int(options, "contacts", 500));
        var insertSeconds = PerfStats.Int(options, "insert-seconds", 10);
        Console.WriteLine($"e2e: {count} messages, {concurrency} concurrent POSTs, {contactCount} contacts, sandbox latency 0 / report delay 0");
        Console.WriteLine($"machine: {PerfStats.MachineInfo()}");

        // Table transactions per message: counted (storage-cost's staged run on 20 messages) unless given.
        double tableOps;
        if (options.TryGetValue("table-ops", out var given))
        {
            tableOps = double.Parse(given, CultureInfo.InvariantCulture);
        }
        else
        {
            Console.WriteLine("counting Table transactions per message (storage-cost, 20 messages) …");
            var cost = await StorageCost.MeasureAsync(20);
            if (cost.Problems.Count > 0)
            {
                Console.WriteLine("storage count FAILED: " + string.Join("; ", cost.Problems));
                return 1;
            }
            tableOps = cost.TableTransactionsPerMessage;
            Console.WriteLine($"  {PerfStats.F(tableOps, 2)} Table transactions per message");
        }

        await using var stack = await EndToEndStack.StartAsync(counting: false);
        var server = stack.Server;
        using var http = OmniLoadClient.CreateHttpClient(server);
        var client = new OmniLoadClient(server, http);
        client.ZeroLatencySandbox();
        var contacts = await client.CreateContactsAsync(contactCount);
        var calls = new SandboxCallCollector(server.Sandbox);
        calls.Start();
        var warm = await client.PostMessageAsync(-1, contacts[0], Stopwatch.StartNew());
        if (!warm.Ok || !await client.WaitForDrainAsync(calls, 1, TimeSpan.FromSeconds(30)))
        {
            Console.WriteLine($"FAILED: the warm-up message was not delivered ({warm.Status} {warm.Error})");
            return 1;
        }

        calls.Start();
        EndToEndStack.FailureCounter.Reset();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var collecting = calls.RunAsync(TimeSpan.FromMilliseconds(100), stop.Token);
        var sampler = new MemorySampler(() => server.Handler.ProcessId, () => stack.Azurite.ProcessId);
        var sampling = sampler.RunAsync(clock, TimeSpan.FromMilliseconds(500), stop.Token);

        var outcomes = new PostOutcome[count];
        var next = -1;
        var progress = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(10_000, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                if (!stop.IsCancellationRequested)
                {
                    Console.WriteLine($"  {clock.Elapsed.TotalSeconds:F0} s: {Math.Min(count, Volatile.Read(ref next) + 1)} posted, sandbox sends {calls.Count}, queued {client.QueueState().InFlight}");
                }
            }
        });
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                outcomes[i] = await client.PostMessageAsync(i, contacts[i % contacts.Count], clock);
            }
        })));
        var postingTook = clock.Elapsed;
        var accepted = outcomes.Where(o => o.Ok).Select(o => o.MessageId!).ToList();
        var drained = await client.WaitForDrainAsync(calls, accepted.Count, TimeSpan.FromSeconds(Math.Max(120, count / 10.0)));
        var drainedAt = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(collecting, sampling, progress);
        Console.WriteLine($"  posted in {postingTook.TotalSeconds:F1} s, drained ({drained}) at {drainedAt.TotalSeconds:F1} s; reading every message …");

        var delivery = await DeliveryReport.CheckAsync(client, accepted, calls);

        // The Azurite insert rate: same Azurite, same concurrency, single-entity inserts, after the run.
        var insertRate = await InsertRateAsync(stack.Azurite.ConnectionString, concurrency, TimeSpan.FromSeconds(insertSeconds));

        var delivered = delivery.Messages.Where(m => m.Status == "delivered").ToList();
        var lastDelivered = delivered.Count > 0 ? delivered.Max(m => m.UpdatedAt) : started;
        var span = (lastDelivered - started).TotalSeconds;
        var rate = delivered.Count / Math.Max(span, 0.001);
        var latencies = delivered.Select(m => m.Latency.TotalMilliseconds).Order().ToArray();
        var reported = delivered.Where(m => m.ReportedAt is not null).Select(m => (m.ReportedAt!.Value - m.AcceptedAt).TotalMilliseconds).Order().ToArray();
        var posts = outcomes.Where(o => o is not null).Select(o => o.Elapsed.TotalMilliseconds).Order().ToArray();
        var samples = sampler.Samples;
        var ceiling = insertRate / tableOps;
        var ratio = rate / ceiling;

        Console.WriteLine();
        PerfStats.PrintTable(["e2e", "value"],
        [
            ["messages accepted / delivered", $"{accepted.Count} / {delivered.Count}"],
            ["POST concurrency", concurrency.ToString(CultureInfo.InvariantCulture)],
            ["throughput (first POST → last delivered recorded), msgs/s", PerfStats.F(rate)],
            ["POST /api/messages p50 / p99, ms", $"{PerfStats.F(PerfStats.Percentile(posts, 50))} / {PerfStats.F(PerfStats.Percentile(posts, 99))}"],
            ["accept → delivered recorded p50 / p99, ms", $"{PerfStats.F(PerfStats.Percentile(latencies, 50))} / {PerfStats.F(PerfStats.Percentile(latencies, 99))}"],
            ["accept → delivery report sent p50 / p99, ms", $"{PerfStats.F(PerfStats.Percentile(reported, 50))} / {PerfStats.F(PerfStats.Percentile(reported, 99))}"],
            ["peak handler working set / private, MB", $"{EndToEndStack.Mb(samples.Max(s => s.HandlerRssBytes))} / {EndToEndStack.Mb(samples.Max(s => s.HandlerPrivateBytes))}"],
            ["peak DevHost+driver process working set, MB", EndToEndStack.Mb(samples.Max(s => s.SelfRssBytes))],
            ["peak Azurite working set, MB", EndToEndStack.Mb(samples.Max(s => s.AzuriteRssBytes))],
            ["Azurite single-entity inserts/s (same concurrency)", PerfStats.F(insertRate)],
            ["Table transactions per message", PerfStats.F(tableOps, 2)],
            ["ceiling = inserts/s ÷ transactions per message, msgs/s", PerfStats.F(ceiling)],
            ["msgs/s ÷ ceiling (target ≥ 50 %)", PerfStats.F(ratio * 100) + " %"],
            ["failed invocations retried by redelivery", FailedInvocations()],
        ]);

        var failures = new List<string>();
        var errors = outcomes.Where(o => o is not null && !o.Ok).ToList();
        if (errors.Count > 0)
        {
            failures.Add($"{errors.Count} POSTs failed, e.g. {errors[0].Status} {errors[0].Error}");
        }
        if (!drained)
        {
            failures.Add($"not drained: sandbox sends {calls.Count}/{accepted.Count}, queued {client.QueueState().InFlight}");
        }
        failures.AddRange(delivery.Problems.Take(10));
        if (delivery.Problems.Count > 10)
        {
            failures.Add($"… {delivery.Problems.Count - 10} more");
        }
        if (failures.Count > 0)
        {
            Console.WriteLine("FAILED:");
            failures.ForEach(f => Console.WriteLine("  " + f));
            return 1;
        }
        Console.WriteLine($"every message delivered exactly once ({delivered.Count}; sandbox sends {calls.Count}, no replays)");
        if (ratio < RatioTarget)
        {
            Console.WriteLine($"TARGET MISSED (exit 3): {PerfStats.F(ratio * 100)} % of the Azurite ceiling (target ≥ {RatioTarget * 100:F0} %)");
            return 3;
        }
        return 0;
    }

    /// <summary>"ProcessInbound 12, SendSms 1" or "0".</summary>
    public static string FailedInvocations() =>
        string.Join(", ", EndToEndStack.FailureCounter.Counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")) is { Length: > 0 } text ? text : "0";

    /// <summary>Single-entity inserts into a fresh table with <paramref name="concurrency"/> workers for <paramref name="duration"/>: inserts per second.</summary>
    public static async Task<double> InsertRateAsync(string connectionString, int concurrency, TimeSpan duration)
    {
        var service = new TableServiceClient(connectionString);
        var table = service.GetTableClient("perfinserts" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        var payload = new string('x', 512);
        // Warm the connections first.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => table.AddEntityAsync(new TableEntity("warm-" + w, "") { ["Data"] = payload })));
        var inserted = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                await table.AddEntityAsync(new TableEntity($"p{w:D3}-{i:D7}", "") { ["Data"] = payload });
                Interlocked.Increment(ref inserted);
            }
        })));
        return inserted / clock.Elapsed.TotalSeconds;
    }
}
