using System.Diagnostics;
using Omni.DevHost.ServiceBus;

namespace Omni.Perf;

/// <summary>
/// <c>storage-cost</c>: Table transactions and Service Bus operations per single-channel delivered message, counted by
/// proxies between the handler and Azurite / the Service Bus emulator (not estimated).
/// <para>
/// The pipeline is run in stages so every request is attributed to the function that made it: all queues start
/// receive-disabled; the messages are posted (SendMessage); then outbound is enabled (RouteMessage); then send-sms
/// (SendSms; the sandbox reports 3 s later so the webhook does not overlap); then the reports arrive (AcsEvents, which
/// puts them on inbound); then inbound is enabled (ProcessInbound). A $batch (entity group transaction) is one
/// transaction, as Azure bills it; a Service Bus batch send is one operation.
/// </para>
/// </summary>
internal static class StorageCost
{
    public const int TableTarget = 4;
    public const int SendTarget = 3;

    private static readonly string[] Known = ["messages"];

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
        var messages = PerfStats.Int(options, "messages", 20);
        Console.WriteLine($"storage-cost: {messages} single-channel SMS messages, staged per function, counted at the handler's Table and Service Bus connections");
        Console.WriteLine($"machine: {PerfStats.MachineInfo()}");

        var result = await MeasureAsync(messages, Console.WriteLine);
        Print(result);

        if (result.Problems.Count > 0)
        {
            Console.WriteLine("FAILED:");
            foreach (var problem in result.Problems)
            {
                Console.WriteLine("  " + problem);
            }
            return 1;
        }
        var missed = new List<string>();
        if (result.TableTransactionsPerMessage > TableTarget)
        {
            missed.Add($"{PerfStats.F(result.TableTransactionsPerMessage)} Table transactions per message (target ≤ {TableTarget})");
        }
        if (result.SendsPerMessage > SendTarget)
        {
            missed.Add($"{PerfStats.F(result.SendsPerMessage)} Service Bus sends per message (target ≤ {SendTarget})");
        }
        if (result.HotPartitions.Count > 0)
        {
            missed.Add($"partitions every message writes to: {string.Join(", ", result.HotPartitions.Select(h => h.Table + "/" + h.Partition))}");
        }
        if (missed.Count > 0)
        {
            Console.WriteLine("DESIGN TARGET MISSED (exit 3): " + string.Join("; ", missed));
            return 3;
        }
        Console.WriteLine("design target met");
        return 0;
    }

    /// <summary>One partition and how many writes it got during the measured stages.</summary>
    internal sealed record PartitionWrites(string Table, string Partition, int Writes);

    internal sealed record Result(
        int Messages,
        IReadOnlyList<CountedOperation> Table,
        IReadOnlyList<CountedOperation> ServiceBus,
        IReadOnlyDictionary<string, long> Deliveries,
        IReadOnlyList<PartitionWrites> HotPartitions,
        IReadOnlyList<PartitionWrites> TopPartitions,
        IReadOnlyList<string> Problems)
    {
        public double TableTransactionsPerMessage => (double)Table.Count / Messages;

        public double SendsPerMessage => (double)ServiceBus.Count(o => o.Operation.StartsWith("send", StringComparison.Ordinal)) / Messages;

        public double DeliveriesPerMessage => (double)Deliveries.Values.Sum() / Messages;
    }

    private static readonly string[] Stages = ["SendMessage", "RouteMessage", "SendSms", "AcsEvents", "ProcessInbound"];

    /// <summary>Runs the staged measurement on a fresh stack; <see cref="Result.Problems"/> lists what went wrong.</summary>
    public static async Task<Result> MeasureAsync(int messageCount, Action<string>? progress = null)
    {
        await using var stack = await EndToEndStack.StartAsync(counting: true);
        var server = stack.Server;
        using var http = OmniLoadClient.CreateHttpClient(server);
        var client = new OmniLoadClient(server, http);
        var problems = new List<string>();
        client.ZeroLatencySandbox();
        var contacts = await client.CreateContactsAsync(messageCount + 1);
        var calls = new SandboxCallCollector(server.Sandbox);

        // Warm-up: one message end to end, so lazily created tables and first-use reads are not counted.
        calls.Start();
        var warm = await client.PostMessageAsync(-1, contacts[^1], Stopwatch.StartNew());
        if (!warm.Ok || !await client.WaitForDrainAsync(calls, 1, TimeSpan.FromSeconds(30)))
        {
            return Fail($"the warm-up message was not delivered ({warm.Status} {warm.Error})");
        }
        await Task.Delay(500);

        var queues = server.ServiceBus.Queues.ToDictionary(q => q.Name);
        var completedBefore = queues.Values.ToDictionary(q => q.Name, q => q.CompletedCount);
        foreach (var q in queues.Values)
        {
            q.Status = EntityStatus.ReceiveDisabled;
        }
        // Reports 3 s after the send, so SendSms finishes before the webhook calls start.
        client.ZeroLatencySandbox(reportDelayMs: 3000);
        calls.Start();
        stack.Tables!.Clear();
        stack.ServiceBus!.Clear();

        void Stage(string name)
        {
            stack.Tables!.Stage = name;
            stack.ServiceBus!.Stage = name;
            progress?.Invoke("stage " + name);
        }

        Stage("SendMessage");
        var clock = Stopwatch.StartNew();
        var ids = new List<string>();
        for (var i = 0; i < messageCount; i++)
        {
            var posted = await client.PostMessageAsync(i, contacts[i], clock);
            if (!posted.Ok)
            {
                return Fail($"POST /api/messages: {posted.Status} {posted.Error}");
            }
            ids.Add(posted.MessageId!);
        }
        await WaitAsync(() => Active(queues["outbound"]) == messageCount, "the messages on outbound", problems);

        Stage("RouteMessage");
        queues["outbound"].Status = EntityStatus.Active;
        await WaitAsync(() => Completed(queues["outbound"], completedBefore) == messageCount && Active(queues["send-sms"]) == messageCount,
            "RouteMessage to put every step on send-sms", problems);

        Stage("SendSms");
        queues["send-sms"].Status = EntityStatus.Active;
        await WaitAsync(() => Completed(queues["send-sms"], completedBefore) == messageCount, "SendSms to finish", problems);
        if (Active(queues["inbound"]) > 0 || server.Sandbox.Calls.List().Any(c => c.ReportPosted))
        {
            problems.Add("a delivery report arrived while SendSms was still running: the AcsEvents and SendSms counts overlap");
        }

        Stage("AcsEvents");
        await WaitAsync(() => server.Sandbox.Reporter.Pending == 0 && Active(queues["inbound"]) == messageCount, "the delivery reports", problems);

        Stage("ProcessInbound");
        queues["inbound"].Status = EntityStatus.Active;
        await WaitAsync(() => Completed(queues["inbound"], completedBefore) == messageCount && client.QueueState().InFlight == 0, "ProcessInbound", problems);
        await Task.Delay(300);
        Stage("check");
        foreach (var q in queues.Values)
        {
            q.Status = EntityStatus.Active;
        }

        var measuredTable = stack.Tables.Operations.Where(o => Stages.Contains(o.Stage)).ToList();
        var measuredBus = stack.ServiceBus.Operations.Where(o => Stages.Contains(o.Stage)).ToList();
        var deliveries = queues.Values.ToDictionary(q => q.Name, q => Completed(q, completedBefore)).Where(kv => kv.Value > 0).ToDictionary();

        var delivery = await DeliveryReport.CheckAsync(client, ids, calls);
        problems.AddRange(delivery.Problems.Take(10).Select(p => "delivery: " + p));
        if (measuredTable.Concat(measuredBus).FirstOrDefault(o => o.Status is 0 or 401 or 403 or 502) is { } broken)
        {
            problems.Add($"{broken.Entity} {broken.Operation} answered {broken.Status} through the counting proxy: it changed the request");
        }
        if (measuredTable.Count == 0 || measuredBus.Count == 0)
        {
            problems.Add("nothing was counted: the handler does not use the counting proxies");
        }

        var partitions = measuredTable.Where(o => o.Write && o.Partition is not null)
            .GroupBy(o => (o.Entity, o.Partition!))
            .Select(g => new PartitionWrites(g.Key.Entity, g.Key.Item2, g.Count()))
            .OrderByDescending(p => p.Writes).ToList();
        // A partition written by every message is one that all traffic funnels through (a hot partition at scale).
        // Per-message and per-contact partitions are as many as the messages (one contact each); a partition shared by
        // all of them is written at least once per message in a table with few partitions.
        var partitionsPerTable = partitions.GroupBy(p => p.Table).ToDictionary(g => g.Key, g => g.Count());
        var hot = messageCount >= 10
            ? partitions.Where(p => p.Writes >= messageCount && partitionsPerTable[p.Table] <= messageCount / 2).ToList()
            : [];
        return new Result(messageCount, measuredTable, measuredBus, deliveries, hot, partitions.Take(8).ToList(), problems);

        Result Fail(string problem) => new(messageCount, [], [], new Dictionary<string, long>(), [], [], [problem]);
    }

    private static int Active(EmulatedQueue queue) => queue.Snapshot(includeBodies: false).Active;

    private static long Completed(EmulatedQueue queue, Dictionary<string, long> before) => queue.CompletedCount - before[queue.Name];

    private static async Task WaitAsync(Func<bool> condition, string what, List<string> problems)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                problems.Add("timed out waiting for " + what);
                return;
            }
            await Task.Delay(20);
        }
    }

    public static void Print(Result r)
    {
        if (r.Table.Count == 0 && r.ServiceBus.Count == 0)
        {
            return;
        }
        var per = (double)r.Messages;
        Console.WriteLine();
        Console.WriteLine($"Table transactions per message, by function (stage), table and operation ({r.Messages} messages; a $batch is one transaction):");
        PerfStats.PrintTable(["function", "table", "operation", "per message", "non-2xx"],
            r.Table.GroupBy(o => (o.Stage, o.Entity, o.Operation))
                .OrderBy(g => Array.IndexOf(Stages, g.Key.Stage)).ThenBy(g => g.Key.Entity).ThenBy(g => g.Key.Operation)
                .Select(g => (IReadOnlyList<string>)[g.Key.Stage, g.Key.Entity, g.Key.Operation, PerfStats.F(g.Count() / per, 2),
                    NonSuccess(g)]));
        Console.WriteLine();
        PerfStats.PrintTable(["function", "Table transactions / message"],
            Stages.Select(s => (IReadOnlyList<string>)[s, PerfStats.F(r.Table.Count(o => o.Stage == s) / per, 2)])
                .Append(["total", PerfStats.F(r.TableTransactionsPerMessage, 2)]));

        Console.WriteLine();
        Console.WriteLine("Service Bus operations by the handler (sends), per message:");
        PerfStats.PrintTable(["function", "queue", "operation", "per message", "messages in them"],
            r.ServiceBus.GroupBy(o => (o.Stage, o.Entity, o.Operation))
                .OrderBy(g => Array.IndexOf(Stages, g.Key.Stage)).ThenBy(g => g.Key.Entity)
                .Select(g => (IReadOnlyList<string>)[g.Key.Stage, g.Key.Entity, g.Key.Operation, PerfStats.F(g.Count() / per, 2), PerfStats.F(g.Sum(o => o.Items) / per, 2)]));
        Console.WriteLine();
        Console.WriteLine("Service Bus deliveries by the host (each is a receive and a complete in Azure), per message:");
        PerfStats.PrintTable(["queue", "deliveries / message"],
            r.Deliveries.OrderBy(kv => kv.Key).Select(kv => (IReadOnlyList<string>)[kv.Key, PerfStats.F(kv.Value / per, 2)]));

        Console.WriteLine();
        Console.WriteLine("Most-written partitions during the measured stages (a partition written by every message is hot):");
        PerfStats.PrintTable(["table", "partition key", "writes", "hot"],
            r.TopPartitions.Select(p => (IReadOnlyList<string>)[p.Table, Shorten(p.Partition), p.Writes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.HotPartitions.Contains(p) ? "YES" : "no"]));

        Console.WriteLine();
        PerfStats.PrintTable(["per delivered single-channel message", "counted", "target"],
        [
            ["Table transactions", PerfStats.F(r.TableTransactionsPerMessage, 2), "≤ " + TableTarget],
            ["Service Bus sends (handler)", PerfStats.F(r.SendsPerMessage, 2), "≤ " + SendTarget],
            ["Service Bus deliveries (host: receive + complete each)", PerfStats.F(r.DeliveriesPerMessage, 2), "-"],
            ["partitions every message writes to", r.HotPartitions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "0"],
        ]);
    }

    /// <summary>"404×20, 409×1": the answers that were not 2xx (a 404 read or a 412 conflict is still a billed transaction).</summary>
    private static string NonSuccess(IEnumerable<CountedOperation> operations) =>
        string.Join(", ", operations.Where(o => o.Status is < 200 or >= 300).GroupBy(o => o.Status).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}×{g.Count()}")) is { Length: > 0 } text ? text : "-";

    private static string Shorten(string partition) => partition.Length <= 40 ? partition : partition[..37] + "…";
}
