using System.Globalization;
using System.Net;
using System.Text;
using Azure;
using Omni.Azure.ServiceBus;
using Omni.Azure.Tables;
using Omni.DevHost.Sandbox;

namespace Omni.Perf;

/// <summary>
/// <c>handler</c>: invocations per second and p50/p99 latency of (a) the ACS webhook ack (<c>POST /api/webhooks/acs</c>, secret in
/// <c>X-Omni-Secret</c>, with one Event Grid <c>SMSDeliveryReportReceived</c> event: secret check, parse/normalise, one Service Bus send) and
/// (b) <c>SendSms</c> (the Functions host's <c>POST /SendSms</c> with <c>{"Data","Metadata"}</c> for a real send-sms queue
/// message: message-log read, claim, sandbox ACS call with HMAC, log update, stats), each against
/// <c>POST /_bench/baseline</c> (read the body, fixed 200) in the same handler process, on the same Kestrel, in the same run.
/// Closed loop at a fixed concurrency gives the maximum throughput; an open loop at a fixed rate gives the webhook's
/// latency under a steady 200 req/s. Exit code 0 when every request succeeded and the side effects add up, 1 otherwise.
/// <para>
/// <b>Floors</b>, in the same run at the same concurrency, from the Perf process with no Omni handler code in the path:
/// one Service Bus REST send of the handler's own inbound message (Omni.Azure <see cref="ServiceBusSender"/> → the
/// emulator), and Azurite point operations (insert, get, replace) on a copy of a real message-log entity. They give
/// "webhook ack vs (baseline ⊕ one SB send)" and "SendSms vs the Azurite ceiling for its table transactions", where the
/// transactions per SendSms are counted (not assumed) on <c>--sms-calibrate</c> invocations of a second handler whose
/// Table traffic goes through a <see cref="CountingProxy"/> (started before the timed bench and stopped again, so the
/// proxy hop never touches a timed request).
/// </para>
/// <code>dotnet run -c Release --project tools/Omni.Perf -- handler [--concurrency 16] [--duration 10] [--warmup 3] [--rate 200] [--rate-duration 10] [--sms-messages 4000] [--sms-calibrate 20] [--floors true] [--handler-setting "K=V;K=V"]</code>
/// </summary>
internal static class HandlerThroughput
{
    private const string Topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/omni-perf/providers/Microsoft.Communication/communicationServices/omni-perf";

    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> options;
        try
        {
            options = PerfStats.Options(args, "concurrency", "duration", "warmup", "rate", "rate-duration", "sms-messages", "sms-calibrate", "floors", "handler-setting");
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
        var smsCalibrate = PerfStats.Int(options, "sms-calibrate", 20);
        var floors = true;
        if (options.TryGetValue("floors", out var floorsText) && !bool.TryParse(floorsText, out floors))
        {
            Console.Error.WriteLine($"--floors expects true or false, not '{floorsText}'.");
            return 2;
        }
        // Extra handler environment, e.g. "Logging__LogLevel__Omni.Functions.Webhooks=Warning" to price a log line.
        var handlerSettings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (options.GetValueOrDefault("handler-setting") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                Console.Error.WriteLine($"--handler-setting expects KEY=VALUE pairs separated by ';', not '{pair}'.");
                return 2;
            }
            handlerSettings[pair[..equals]] = pair[(equals + 1)..];
        }

        Console.WriteLine($"Machine: {PerfStats.MachineInfo()}");
        Console.WriteLine($"Handler: {PerfStats.FunctionAppBuildOutput()}");
        Console.WriteLine($"Closed loop: {concurrency} concurrent requests, {duration.TotalSeconds:0.#} s after {warmup.TotalSeconds:0.#} s warm-up; open loop: {rate:0.#} req/s for {rateDuration.TotalSeconds:0.#} s");

        if (handlerSettings.Count > 0)
        {
            Console.WriteLine("Handler settings: " + string.Join("; ", handlerSettings.Select(kv => kv.Key + "=" + kv.Value)));
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var problems = new List<string>();
        TableMix? smsTables = null;
        if (smsCalibrate > 0)
        {
            Console.WriteLine($"Counting Table transactions of {smsCalibrate} SendSms invocations (separate handler behind a counting proxy, not timed)…");
            smsTables = await CountSendSmsTablesAsync(loggers, handlerSettings, smsCalibrate, problems);
            Console.WriteLine($"  {smsTables.Describe()}");
        }

        await using var bench = await HandlerBench.StartAsync(loggers, handlerSettings);

        // The webhook body and the baseline body are the same bytes (one event; only the ids differ per request).
        var runId = Guid.NewGuid().ToString("N")[..8];
        var template = WebhookTemplate(DateTimeOffset.UtcNow);
        byte[] Body(int index) => Encoding.UTF8.GetBytes(template.Replace("{N}", index.ToString("D12", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{RUN}", runId, StringComparison.Ordinal));
        var webhookUri = new Uri(bench.HandlerAddress, "api/webhooks/acs");
        var baselineUri = new Uri(bench.HandlerAddress, "_bench/baseline");

        HandlerLoad.Send Post(Uri uri, string name) => async (index, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Body(index)) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.TryAddWithoutValidation("aeg-event-type", "Notification");
            // On the baseline too, so both requests carry the same bytes.
            request.Headers.TryAddWithoutValidation(SandboxEnvironment.AcsEventsSecretHeader, SandboxEnvironment.AcsEventsSecret);
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

        // Floors: the dependencies alone, driven from this process at the same concurrency (no Omni handler code).
        LoadResult? floorSb = null, floorInsert = null, floorGet = null, floorReplace = null, warmFloorSb = null;
        var floorSends = 0;
        if (floors)
        {
            var inbound = bench.ServiceBus.GetQueue("inbound") ?? throw new InvalidOperationException("No inbound queue.");
            // The exact message the handler sent for a warm-up webhook (body, content type, subject, properties).
            if (!inbound.TryLock(out var sample))
            {
                throw new InvalidOperationException("The warm-up webhooks left nothing on the inbound queue.");
            }
            inbound.Complete(sample);
            var sbClient = new ServiceBusClient(bench.ServiceBusConnectionString);
            var sbSender = sbClient.CreateSender("inbound");
            HandlerLoad.Send sbSend = async (index, ct) =>
            {
                var message = new ServiceBusMessage(sample.Message.Body)
                {
                    MessageId = $"perf-floor:{runId}:{index.ToString("D12", CultureInfo.InvariantCulture)}",
                    ContentType = sample.Message.ContentType,
                    Subject = sample.Message.Subject,
                };
                foreach (var (name, value) in sample.Message.ApplicationProperties)
                {
                    message.ApplicationProperties[name] = value;
                }
                return await FloorAsync("SB send", () => sbSender.SendMessagesAsync([message], ct));
            };
            warmFloorSb = await HandlerLoad.ClosedLoopAsync("warm-up floor SB send", sbSend, concurrency, warmup);
            floorSb = await HandlerLoad.ClosedLoopAsync("floor: SB REST send (Perf → emulator)", sbSend, concurrency, duration,
                warmFloorSb.Succeeded + warmFloorSb.Failed);
            floorSends = warmFloorSb.Succeeded + floorSb.Succeeded;

            (floorInsert, floorGet, floorReplace) = await AzuriteFloorsAsync(bench, runId, concurrency, duration, warmup, problems);
        }

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
            new[] { closedBaseline, closedWebhook, closedSms, floorSb, floorInsert, floorGet, floorReplace }.OfType<LoadResult>().Select(r => Row(r, closedBaseline)));
        Console.WriteLine();
        Console.WriteLine($"Open loop, {rate:0.#} req/s for {rateDuration.TotalSeconds:0.#} s (latency from each request's due time):");
        PerfStats.PrintTable(["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms", "vs baseline"],
            new[] { openBaseline, openWebhook }.Select(r => Row(r, null)));
        if (closedSms.Succeeded + closedSms.Failed >= sms.Count - smsWarmup && closedSms.Seconds < duration.TotalSeconds * 0.9)
        {
            Console.WriteLine($"(SendSms used all {sms.Count - smsWarmup} prepared messages in {closedSms.Seconds:0.0} s; raise --sms-messages for a full-length run.)");
        }

        foreach (var r in new[] { warmBaseline, warmWebhook, warmSms, closedBaseline, closedWebhook, closedSms, openBaseline, openWebhook, warmFloorSb, floorSb }.OfType<LoadResult>())
        {
            if (r.Failed > 0)
            {
                problems.Add($"{r.Name}: {r.Failed} failed, first: {r.FirstFailure}");
            }
        }
        // The work really happened: one inbound queue send per acknowledged webhook, one sandbox SMS per successful SendSms.
        var webhookOk = warmWebhook.Succeeded + closedWebhook.Succeeded + openWebhook.Succeeded;
        if (bench.AcceptedSends("inbound") != webhookOk + floorSends)
        {
            problems.Add($"the inbound queue accepted {bench.AcceptedSends("inbound")} sends for {webhookOk} acknowledged webhook requests + {floorSends} floor sends");
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
        PrintFloors(closedBaseline, closedWebhook, closedSms, floorSb, floorGet, floorReplace, smsTables);
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

    /// <summary>Table transactions per SendSms invocation, counted at a proxy: reads (get, query) and writes, and the detail.</summary>
    private sealed record TableMix(int Invocations, double Reads, double Writes, string Detail)
    {
        public double Total => Reads + Writes;

        public string Describe() =>
            $"SendSms: {PerfStats.F(Total, 2)} Table transactions per invocation ({PerfStats.F(Reads, 2)} reads + {PerfStats.F(Writes, 2)} writes; {Detail}) over {Invocations} invocations";
    }

    /// <summary>Runs a dependency call for a floor phase: null on success, the failure otherwise.</summary>
    private static async Task<string?> FloorAsync(string name, Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or ServiceBusException)
        {
            return $"{name}: {e.GetType().Name}: {Truncate(e.Message)}";
        }
    }

    /// <summary>
    /// Azurite alone at the same concurrency, through the same Omni.Azure Table client the handler uses: insert, point get
    /// and unconditional replace of a copy of a real message-log entity (same properties and size as SendSms reads and
    /// writes), in a table of its own so the app's data is untouched.
    /// </summary>
    private static async Task<(LoadResult Insert, LoadResult Get, LoadResult Replace)> AzuriteFloorsAsync(HandlerBench bench, string runId,
        int concurrency, TimeSpan duration, TimeSpan warmup, List<string> problems)
    {
        var tables = new TableServiceClient(bench.StorageConnectionString);
        TableEntity? sample = null;
        await foreach (var entity in tables.GetTableClient("messages").QueryAsync<TableEntity>(maxPerPage: 1))
        {
            sample = entity;
            break;
        }
        if (sample is null)
        {
            throw new InvalidOperationException("No message-log entity to copy for the Azurite floor.");
        }
        var floor = tables.GetTableClient("perffloor" + runId);
        await floor.CreateIfNotExistsAsync();
        var bytes = sample.Sum(p => p.Value switch { string text => Encoding.UTF8.GetByteCount(text), byte[] b => b.Length, _ => 8 });
        Console.WriteLine($"  Azurite floor entity: a copy of message-log entity with {sample.Count} properties (~{bytes:N0} bytes of values)");
        TableEntity Copy(int index)
        {
            var copy = new TableEntity(sample) { PartitionKey = "floor-" + index.ToString("D12", CultureInfo.InvariantCulture), RowKey = sample.RowKey, ETag = default };
            return copy;
        }

        var inserted = 0;
        HandlerLoad.Send insert = (index, ct) => FloorAsync("Azurite insert", async () =>
        {
            await floor.AddEntityAsync(Copy(index), ct);
            Interlocked.Increment(ref inserted);
        });
        var warmInsert = await HandlerLoad.ClosedLoopAsync("warm-up floor insert", insert, concurrency, warmup);
        var insertResult = await HandlerLoad.ClosedLoopAsync("floor: Azurite insert (Perf → Azurite)", insert, concurrency, duration,
            warmInsert.Succeeded + warmInsert.Failed);
        // Rows 0..inserted-1 exist (every insert so far succeeded, or the failures are reported below).
        var rows = Math.Max(1, inserted);
        HandlerLoad.Send get = (index, ct) => FloorAsync("Azurite get", () =>
            floor.GetEntityAsync<TableEntity>("floor-" + (index % rows).ToString("D12", CultureInfo.InvariantCulture), sample.RowKey, cancellationToken: ct));
        HandlerLoad.Send replace = (index, ct) => FloorAsync("Azurite replace", () =>
            floor.UpdateEntityAsync(Copy(index % rows), ETag.All, TableUpdateMode.Replace, ct));
        var warmGet = await HandlerLoad.ClosedLoopAsync("warm-up floor get", get, concurrency, warmup);
        var getResult = await HandlerLoad.ClosedLoopAsync("floor: Azurite point get", get, concurrency, duration);
        var warmReplace = await HandlerLoad.ClosedLoopAsync("warm-up floor replace", replace, concurrency, warmup);
        var replaceResult = await HandlerLoad.ClosedLoopAsync("floor: Azurite replace", replace, concurrency, duration);
        foreach (var r in new[] { warmInsert, insertResult, warmGet, getResult, warmReplace, replaceResult })
        {
            if (r.Failed > 0)
            {
                problems.Add($"{r.Name}: {r.Failed} failed, first: {r.FirstFailure}");
            }
        }
        await floor.DeleteAsync();
        return (insertResult, getResult, replaceResult);
    }

    /// <summary>
    /// Counts the Table transactions of SendSms: a second handler (own Azurite, emulator and sandbox) whose Table traffic
    /// goes through a <see cref="CountingProxy"/>; <paramref name="count"/> real first sends prepared as in the timed run,
    /// one warm-up invocation, then the rest one at a time. Disposed before the timed bench starts.
    /// </summary>
    private static async Task<TableMix> CountSendSmsTablesAsync(ILoggerFactory loggers, IReadOnlyDictionary<string, string> handlerSettings,
        int count, List<string> problems)
    {
        await using var counting = await HandlerBench.StartAsync(loggers, handlerSettings, countTables: true);
        var prepared = await PrepareSendSmsAsync(counting, count + 1, problems);
        var sendSms = counting.Manifest.Find("SendSms")!;
        if (prepared.Count < 2)
        {
            throw new InvalidOperationException("Calibration: no send-sms messages were prepared.");
        }
        if (await counting.InvokeAsync(sendSms.Name, prepared[0], CancellationToken.None) is { } warmFailure)
        {
            problems.Add("calibration warm-up: " + warmFailure);
        }
        var proxy = counting.TableCounter!;
        proxy.Clear();
        proxy.Stage = "SendSms";
        var invoked = 0;
        foreach (var payload in prepared.Skip(1))
        {
            if (await counting.InvokeAsync(sendSms.Name, payload, CancellationToken.None) is { } failure)
            {
                problems.Add("calibration: " + failure);
                continue;
            }
            invoked++;
        }
        var ops = proxy.Operations.Where(o => o.Stage == "SendSms").ToList();
        if (invoked == 0)
        {
            throw new InvalidOperationException("Calibration: no SendSms invocation succeeded.");
        }
        var detail = string.Join(", ", ops.GroupBy(o => $"{o.Entity} {o.Operation}").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ×{PerfStats.F(g.Count() / (double)invoked, 2)}"));
        return new TableMix(invoked, ops.Count(o => !o.Write) / (double)invoked, ops.Count(o => o.Write) / (double)invoked, detail);
    }

    /// <summary>
    /// The derived ratios. At saturation every request costs 1/throughput of the machine's wall time (the 2 cores are
    /// shared by the load generator, the handler and the dependencies), so serial work adds up as 1/rate:
    /// webhook ceiling = 1/(1/baseline + 1/SB send); SendSms ceiling on Azurite = 1/(reads/get rate + writes/replace rate).
    /// </summary>
    private static void PrintFloors(LoadResult baseline, LoadResult webhook, LoadResult sms, LoadResult? sb, LoadResult? get, LoadResult? replace, TableMix? tables)
    {
        if (sb is null || get is null || replace is null)
        {
            return;
        }
        static double Us(double perSecond) => perSecond > 0 ? 1e6 / perSecond : double.NaN;
        Console.WriteLine();
        Console.WriteLine("Floors (same run, same concurrency; cost per request = 1/throughput of the whole machine at saturation):");
        var bUs = Us(baseline.RequestsPerSecond);
        var sUs = Us(sb.RequestsPerSecond);
        var wUs = Us(webhook.RequestsPerSecond);
        var ceiling = 1e6 / (bUs + sUs);
        Console.WriteLine($"  webhook ack vs (baseline ⊕ one SB send): ceiling {PerfStats.F(ceiling, 0)} req/s (baseline {PerfStats.F(bUs, 0)} µs + SB send {PerfStats.F(sUs, 0)} µs); " +
                          $"webhook ack {PerfStats.F(webhook.RequestsPerSecond, 0)} req/s = {webhook.RequestsPerSecond / ceiling:P0} of that ceiling");
        Console.WriteLine($"  webhook ack cost {PerfStats.F(wUs, 0)} µs/request → Omni's own webhook work (parse, normalise, serialise, log, client pipeline) ≈ " +
                          $"{PerfStats.F(wUs - bUs - sUs, 0)} µs/request beyond baseline + SB send; latency floor p50 ≈ {PerfStats.F(baseline.P50 + sb.P50, 2)} ms vs webhook p50 {PerfStats.F(webhook.P50, 2)} ms");
        if (tables is null)
        {
            Console.WriteLine("  SendSms vs Azurite: not computed (--sms-calibrate 0: Table transactions per SendSms not counted)");
            return;
        }
        var storageUs = tables.Reads * Us(get.RequestsPerSecond) + tables.Writes * Us(replace.RequestsPerSecond);
        var smsCeiling = 1e6 / storageUs;
        Console.WriteLine($"  SendSms vs Azurite ops/s ÷ table operations per SendSms: {PerfStats.F(tables.Reads, 2)} reads × {PerfStats.F(Us(get.RequestsPerSecond), 0)} µs + " +
                          $"{PerfStats.F(tables.Writes, 2)} writes × {PerfStats.F(Us(replace.RequestsPerSecond), 0)} µs = {PerfStats.F(storageUs, 0)} µs → ceiling {PerfStats.F(smsCeiling, 0)} SendSms/s; " +
                          $"SendSms {PerfStats.F(sms.RequestsPerSecond, 1)}/s = {sms.RequestsPerSecond / smsCeiling:P0} of that ceiling");
        Console.WriteLine($"  ({tables.Describe()})");
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
