using System.Globalization;
using System.Net;
using System.Text;
using Omni.DevHost.Sandbox;

namespace Omni.Perf;

/// <summary>
/// <c>handler</c>: invocations per second and p50/p99 latency of (a) the ACS webhook ack (<c>POST /api/webhooks/acs?secret=…</c>
/// with one Event Grid <c>SMSDeliveryReportReceived</c> event: secret check, parse/normalise, one Service Bus send) and
/// (b) <c>SendSms</c> (the Functions host's <c>POST /SendSms</c> with <c>{"Data","Metadata"}</c> for a real send-sms queue
/// message: message-log read, claim, sandbox ACS call with HMAC, log update, stats), each against
/// <c>POST /_bench/baseline</c> (read the body, fixed 200) in the same handler process, on the same Kestrel, in the same run.
/// Closed loop at a fixed concurrency gives the maximum throughput; an open loop at a fixed rate gives the webhook's
/// latency under a steady 200 req/s. Exit code 0 when every request succeeded and the side effects add up, 1 otherwise.
/// <code>dotnet run -c Release --project tools/Omni.Perf -- handler [--concurrency 16] [--duration 10] [--warmup 3] [--rate 200] [--rate-duration 10] [--sms-messages 4000]</code>
/// </summary>
internal static class HandlerThroughput
{
    private const string Topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/omni-perf/providers/Microsoft.Communication/communicationServices/omni-perf";

    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> options;
        try
        {
            options = PerfStats.Options(args, "concurrency", "duration", "warmup", "rate", "rate-duration", "sms-messages");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var concurrency = PerfStats.Int(options, "concurrency", 16);
        var duration = TimeSpan.FromSeconds(PerfStats.Double(options, "duration", 10));
        var warmup = TimeSpan.FromSeconds(PerfStats.Double(options, "warmup", 3));
        var rate = PerfStats.Double(options, "rate", 200);
        var rateDuration = TimeSpan.FromSeconds(PerfStats.Double(options, "rate-duration", 10));
        var smsMessages = PerfStats.Int(options, "sms-messages", 4000);

        Console.WriteLine($"Machine: {PerfStats.MachineInfo()}");
        Console.WriteLine($"Handler: {PerfStats.FunctionAppBuildOutput()}");
        Console.WriteLine($"Closed loop: {concurrency} concurrent requests, {duration.TotalSeconds:0.#} s after {warmup.TotalSeconds:0.#} s warm-up; open loop: {rate:0.#} req/s for {rateDuration.TotalSeconds:0.#} s");

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        await using var bench = await HandlerBench.StartAsync(loggers);
        var problems = new List<string>();

        // The webhook body and the baseline body are the same bytes (one event; only the ids differ per request).
        var runId = Guid.NewGuid().ToString("N")[..8];
        var template = WebhookTemplate(DateTimeOffset.UtcNow);
        byte[] Body(int index) => Encoding.UTF8.GetBytes(template.Replace("{N}", index.ToString("D12", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{RUN}", runId, StringComparison.Ordinal));
        var webhookUri = new Uri(bench.HandlerAddress, "api/webhooks/acs?secret=" + Uri.EscapeDataString(SandboxEnvironment.AcsEventsSecret));
        var baselineUri = new Uri(bench.HandlerAddress, "_bench/baseline");

        HandlerLoad.Send Post(Uri uri, string name) => async (index, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Body(index)) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.TryAddWithoutValidation("aeg-event-type", "Notification");
            using var response = await bench.Http.SendAsync(request, ct);
            var answer = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode == HttpStatusCode.OK ? null : $"{name}: {(int)response.StatusCode} {Truncate(answer)}";
        };
        var baseline = Post(baselineUri, "baseline");
        var webhook = Post(webhookUri, "webhook");

        Console.WriteLine($"Preparing {smsMessages} messages with a planned SMS step (POST /api/messages/batch, then RouteMessage)…");
        var sms = await PrepareSendSmsAsync(bench, smsMessages, problems);
        Console.WriteLine($"  {sms.Count} send-sms queue messages ready.");
        var smsFunction = bench.Manifest.Find("SendSms") ?? throw new InvalidOperationException("No SendSms function in the app.");
        HandlerLoad.Send sendSms = (index, ct) => index < sms.Count
            ? bench.InvokeAsync(smsFunction.Name, sms[index], ct)
            : Task.FromResult<string?>("out of prepared messages");

        // Warm-up (JIT, connection pools, Azurite tables), not reported.
        var smsWarmup = Math.Min(300, sms.Count / 5);
        var warmBaseline = await HandlerLoad.ClosedLoopAsync("warm-up baseline", baseline, concurrency, warmup);
        var warmWebhook = await HandlerLoad.ClosedLoopAsync("warm-up webhook", webhook, concurrency, warmup);
        var warmSms = await HandlerLoad.ClosedLoopAsync("warm-up SendSms", sendSms, concurrency, warmup, 0, smsWarmup);
        smsWarmup = warmSms.Succeeded + warmSms.Failed;
        var webhookIndex = warmWebhook.Succeeded + warmWebhook.Failed;

        Console.WriteLine("Measuring…");
        var closedBaseline = await HandlerLoad.ClosedLoopAsync("baseline POST /_bench/baseline", baseline, concurrency, duration);
        var closedWebhook = await HandlerLoad.ClosedLoopAsync("webhook ack POST /api/webhooks/acs", webhook, concurrency, duration, webhookIndex);
        webhookIndex += closedWebhook.Succeeded + closedWebhook.Failed;
        var closedSms = await HandlerLoad.ClosedLoopAsync("SendSms POST /SendSms", sendSms, concurrency, duration, smsWarmup, sms.Count - smsWarmup);
        var openBaseline = await HandlerLoad.OpenLoopAsync("baseline POST /_bench/baseline", baseline, rate, rateDuration);
        var openWebhook = await HandlerLoad.OpenLoopAsync("webhook ack POST /api/webhooks/acs", webhook, rate, rateDuration, webhookIndex);
        webhookIndex += openWebhook.Succeeded + openWebhook.Failed;

        Console.WriteLine();
        Console.WriteLine($"Closed loop, {concurrency} concurrent (max throughput):");
        PerfStats.PrintTable(["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "vs baseline"],
            new[] { closedBaseline, closedWebhook, closedSms }.Select(r => Row(r, closedBaseline)));
        Console.WriteLine();
        Console.WriteLine($"Open loop, {rate:0.#} req/s for {rateDuration.TotalSeconds:0.#} s (latency from each request's due time):");
        PerfStats.PrintTable(["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "vs baseline"],
            new[] { openBaseline, openWebhook }.Select(r => Row(r, null)));
        if (closedSms.Succeeded + closedSms.Failed >= sms.Count - smsWarmup && closedSms.Seconds < duration.TotalSeconds * 0.9)
        {
            Console.WriteLine($"(SendSms used all {sms.Count - smsWarmup} prepared messages in {closedSms.Seconds:0.0} s; raise --sms-messages for a full-length run.)");
        }

        foreach (var r in new[] { warmBaseline, warmWebhook, warmSms, closedBaseline, closedWebhook, closedSms, openBaseline, openWebhook })
        {
            if (r.Failed > 0)
            {
                problems.Add($"{r.Name}: {r.Failed} failed, first: {r.FirstFailure}");
            }
        }
        // The work really happened: one inbound queue send per acknowledged webhook, one sandbox SMS per successful SendSms.
        var webhookOk = warmWebhook.Succeeded + closedWebhook.Succeeded + openWebhook.Succeeded;
        if (bench.AcceptedSends("inbound") != webhookOk)
        {
            problems.Add($"the inbound queue accepted {bench.AcceptedSends("inbound")} sends for {webhookOk} acknowledged webhook requests");
        }
        var smsOk = warmSms.Succeeded + closedSms.Succeeded;
        var smsCalls = bench.Sandbox.Calls.List().Count;
        if (smsCalls != smsOk)
        {
            problems.Add($"the ACS sandbox saw {smsCalls} SMS sends for {smsOk} successful SendSms invocations");
        }
        if (bench.AcceptedSends("inbound") == 0 || smsCalls == 0)
        {
            problems.Add("nothing was measured");
        }

        var webhookRatio = closedWebhook.RequestsPerSecond / closedBaseline.RequestsPerSecond;
        var smsRatio = closedSms.RequestsPerSecond / closedBaseline.RequestsPerSecond;
        Console.WriteLine();
        Console.WriteLine($"Targets: webhook ack {webhookRatio:P0} of baseline (≥ 50%: {Verdict(webhookRatio >= 0.5)}); " +
                          $"SendSms {smsRatio:P0} of baseline (≥ 50%: {Verdict(smsRatio >= 0.5)}); " +
                          $"webhook ack p99 at {rate:0} req/s {PerfStats.F(openWebhook.P99, 2)} ms (≤ 10 ms: {Verdict(openWebhook.P99 <= 10)})");
        if (problems.Count > 0)
        {
            Console.Error.WriteLine("Errors during the run:");
            foreach (var p in problems)
            {
                Console.Error.WriteLine("  " + p);
            }
            return 1;
        }
        return 0;
    }

    private static string Verdict(bool met) => met ? "met" : "MISSED";

    private static IReadOnlyList<string> Row(LoadResult r, LoadResult? baseline) =>
    [
        r.Name, r.Succeeded.ToString("N0", CultureInfo.InvariantCulture), r.Failed.ToString(CultureInfo.InvariantCulture),
        PerfStats.F(r.RequestsPerSecond, 0), PerfStats.F(r.P50, 2), PerfStats.F(r.P99, 2), PerfStats.F(r.Max, 1),
        baseline is null ? "" : (r.RequestsPerSecond / baseline.RequestsPerSecond).ToString("P0", CultureInfo.InvariantCulture),
    ];

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>One SMSDeliveryReportReceived event as Event Grid delivers it (an array), with {RUN}/{N} placeholders for unique ids.</summary>
    private static string WebhookTemplate(DateTimeOffset now)
    {
        var at = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        return $$"""
            [{"id":"{RUN}0000-0000-4000-8000-{N}","topic":"{{Topic}}","subject":"/phonenumber/18005550100",
            "data":{"messageId":"Outgoing_{RUN}_{N}_noam","from":"+18005550100","to":"+447400123456","deliveryStatus":"Delivered",
            "deliveryStatusDetails":"No error.","receivedTimestamp":"{{at}}","deliveryAttempts":[{"timestamp":"{{at}}","segmentsSucceeded":1,"segmentsFailed":0}],
            "tag":"omni-perf"},"eventType":"Microsoft.Communication.SMSDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"{{at}}"}]
            """.Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>
    /// Real first sends: the app records <paramref name="count"/> one-off SMS messages (<c>POST /api/messages/batch</c>,
    /// strategy first, one channel), RouteMessage plans each (invoked as the host would, from the outbound queue), and
    /// the resulting send-sms queue messages become the SendSms invocations. Nothing is written behind the app's back.
    /// </summary>
    private static async Task<List<byte[]>> PrepareSendSmsAsync(HandlerBench bench, int count, List<string> problems)
    {
        const int PerBatch = 100;
        var batches = Enumerable.Range(0, (count + PerBatch - 1) / PerBatch).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, ct) =>
        {
            var items = Enumerable.Range(b * PerBatch, Math.Min(PerBatch, count - b * PerBatch)).Select(i =>
                $$$"""{"to":{"sms":"+4474{{{(i % 100_000_000).ToString("D8", CultureInfo.InvariantCulture)}}}"},"category":"transactional","channel":"sms","strategy":"first","content":{"text":"Your code is 482913"}}""");
            using var content = new StringContent($$"""{"messages":[{{string.Join(",", items)}}]}""", Encoding.UTF8, "application/json");
            using var response = await bench.Http.PostAsync(new Uri(bench.HandlerAddress, "api/messages/batch"), content, ct);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                var answer = await response.Content.ReadAsStringAsync(ct);
                lock (problems)
                {
                    problems.Add($"setup: POST /api/messages/batch → {(int)response.StatusCode} {Truncate(answer)}");
                }
            }
        });
        var route = bench.Manifest.Find("RouteMessage") ?? throw new InvalidOperationException("No RouteMessage function in the app.");
        var outbound = bench.TakeInvocationPayloads(route.Trigger.QueueName!, route);
        var failures = 0;
        string? first = null;
        await Parallel.ForEachAsync(outbound, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (payload, ct) =>
        {
            if (await bench.InvokeAsync(route.Name, payload, ct) is { } failure && Interlocked.Increment(ref failures) == 1)
            {
                first = failure;
            }
        });
        if (failures > 0)
        {
            problems.Add($"setup: {failures} RouteMessage invocations failed, first: {first}");
        }
        var sendSms = bench.Manifest.Find("SendSms")!;
        var prepared = bench.TakeInvocationPayloads(sendSms.Trigger.QueueName!, sendSms);
        if (prepared.Count != count)
        {
            problems.Add($"setup: {prepared.Count} send-sms messages for {count} recorded messages");
        }
        return prepared;
    }
}
