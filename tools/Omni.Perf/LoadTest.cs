using System.Globalization;

namespace Omni.Perf;

/// <summary>
/// <c>load</c>: a bounded open-loop load test through the full local stack (DevHost + handler + Azurite + sandbox):
/// POST /api/messages at a fixed rate for a fixed time. Fails (exit 1) unless every request was 2xx, every message was
/// delivered exactly once, and the handler's resident memory grew less than the limit after warm-up.
/// </summary>
internal static class LoadTest
{
    private static readonly string[] Known = ["rate", "seconds", "contacts", "warmup", "memory-limit-mb", "drain"];

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
        var run = new LoadRunOptions
        {
            Rate = PerfStats.Double(options, "rate", 10),
            Duration = TimeSpan.FromSeconds(PerfStats.Int(options, "seconds", 60)),
            Contacts = PerfStats.Int(options, "contacts", 200),
            WarmUp = TimeSpan.FromSeconds(PerfStats.Int(options, "warmup", 15)),
            MemoryGrowthLimitBytes = PerfStats.Int(options, "memory-limit-mb", 64) * 1024L * 1024,
            DrainTimeout = TimeSpan.FromSeconds(PerfStats.Int(options, "drain", 60)),
        };
        Console.WriteLine($"load: {PerfStats.F(run.Rate)} msgs/s open loop for {run.Duration.TotalSeconds:F0} s, {run.Contacts} contacts, warm-up {run.WarmUp.TotalSeconds:F0} s, " +
                          $"memory growth limit {run.MemoryGrowthLimitBytes / 1048576} MB, drain {run.DrainTimeout.TotalSeconds:F0} s");
        Console.WriteLine($"machine: {PerfStats.MachineInfo()}");

        await using var stack = await EndToEndStack.StartAsync(counting: false);
        EndToEndStack.FailureCounter.Reset();
        var result = await LoadTestEngine.RunAsync(stack.Server, run, line => Console.WriteLine("  " + line));
        Print(result);
        if (!result.Ok)
        {
            Console.WriteLine("FAILED:");
            foreach (var failure in result.Failures)
            {
                Console.WriteLine("  " + failure);
            }
            return 1;
        }
        Console.WriteLine("all invariants held: every request 2xx, every message delivered exactly once, memory flat");
        return 0;
    }

    public static void Print(LoadRunResult r)
    {
        var posts = r.Posts.Select(p => p.Elapsed.TotalMilliseconds).Order().ToArray();
        var delivered = r.Delivery.Messages.Where(m => m.Status == "delivered").ToList();
        var latencies = delivered.Select(m => m.Latency.TotalMilliseconds).Order().ToArray();
        var handler = r.Memory.Where(s => s.HandlerRssBytes > 0).ToList();
        Console.WriteLine();
        PerfStats.PrintTable(["load", "value"],
        [
            ["requests sent / 2xx", $"{r.Posts.Count} / {r.Posts.Count(p => p.Ok)}"],
            ["offered rate, msgs/s", PerfStats.F(r.Options.Rate)],
            ["achieved send rate (POSTs started ÷ time to start the last), msgs/s",
                PerfStats.F(r.Posts.Count <= 1 ? double.NaN : (r.Posts.Count - 1) / Math.Max(0.001, r.Posts.Max(p => p.Sent).TotalSeconds))],
            ["largest schedule lag (generator behind), ms", PerfStats.F(r.MaxScheduleLag.TotalMilliseconds)],
            ["delivered (exactly once)", $"{delivered.Count} ({(r.Delivery.Ok ? "yes" : "NO")})"],
            ["POST p50 / p99 / max, ms", $"{PerfStats.F(PerfStats.Percentile(posts, 50))} / {PerfStats.F(PerfStats.Percentile(posts, 99))} / {PerfStats.F(posts.LastOrDefault())}"],
            ["accept → delivered p50 / p99 / max, ms", $"{PerfStats.F(PerfStats.Percentile(latencies, 50))} / {PerfStats.F(PerfStats.Percentile(latencies, 99))} / {PerfStats.F(latencies.LastOrDefault())}"],
            ["handler working set after warm-up / at end, MB", $"{EndToEndStack.Mb(r.HandlerRssAfterWarmUp)} / {EndToEndStack.Mb(r.HandlerRssAtEnd)}"],
            ["handler working set growth (limit), MB", $"{EndToEndStack.Mb(r.HandlerRssAtEnd - r.HandlerRssAfterWarmUp)} ({r.Options.MemoryGrowthLimitBytes / 1048576})"],
            ["handler peak working set / private, MB", handler.Count == 0 ? "-" : $"{EndToEndStack.Mb(handler.Max(s => s.HandlerRssBytes))} / {EndToEndStack.Mb(handler.Max(s => s.HandlerPrivateBytes))}"],
            ["failed invocations retried by redelivery", EndToEnd.FailedInvocations()],
            ["DevHost+driver managed heap start / end, MB", r.Memory.Count == 0 ? "-" : $"{EndToEndStack.Mb(r.Memory[0].SelfManagedBytes)} / {EndToEndStack.Mb(r.Memory[^1].SelfManagedBytes)}"],
        ]);
        if (handler.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("handler working set over time (MB): " + string.Join(" ",
                handler.Where((_, i) => i % Math.Max(1, handler.Count / 12) == 0)
                    .Select(s => $"{s.At.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)}s:{EndToEndStack.Mb(s.HandlerRssBytes)}")));
        }
    }
}
