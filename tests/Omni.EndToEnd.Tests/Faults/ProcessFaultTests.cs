using System.Collections.Concurrent;
using Omni.DevHost.Sandbox;
using Xunit.Abstractions;

namespace Omni.EndToEnd.Tests.Faults;

public sealed class ProcessFaultFixture : ProcessFaultHostFixture;

[CollectionDefinition(Name)]
public sealed class ProcessFaultCollection : ICollectionFixture<ProcessFaultFixture>
{
    public const string Name = "Faults.Process";
}

/// <summary>
/// Storage and process faults mid-run (issue 10): Azurite stopped for a few seconds and started again (data kept, as an
/// Azure Storage outage keeps it), and the handler killed while sends are in flight (the DevHost restarts it). Every
/// accepted message must still end in exactly one terminal state, with at most one accepted provider send per step.
/// </summary>
[Collection(ProcessFaultCollection.Name)]
public sealed class ProcessFaultTests(ProcessFaultFixture fixture, ITestOutputHelper output)
{
    private const int MessageCount = 36;

    [Fact]
    public async Task StorageOutageAndHandlerKills_MidRun_EveryAcceptedMessageTerminalOnce_NoDoubleSend()
    {
        var server = fixture.Server;
        // Slow provider answers keep sends in flight long enough to kill the handler in the middle of one.
        server.Sandbox.Rules.Replace([new SandboxRule { LatencyMs = 150, ReportDelayMs = 300 }]);
        var run = Guid.NewGuid().ToString("N")[..8];
        var accepted = new ConcurrentDictionary<int, string>();
        var recipients = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var refusedTotal = 0;

        async Task PostAsync(int index)
        {
            var channel = FaultMessages.Channels[index % FaultMessages.Channels.Length];
            var address = FaultMessages.Address(channel, run, index);
            var (id, refused) = await FaultMessages.PostUntilAcceptedAsync(fixture.Http, server.BaseAddress,
                FaultMessages.Body(channel, address, index), $"{run}-{index}", TimeSpan.FromSeconds(30));
            accepted[index] = id;
            recipients[address] = id;
            Interlocked.Add(ref refusedTotal, refused);
        }

        // Four app clients posting side by side.
        var posting = Task.WhenAll(Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            for (var i = lane; i < MessageCount; i += 4)
            {
                await PostAsync(i);
                await Task.Delay(60);
            }
        })));

        // The faults, while messages are being accepted and sent.
        await DevHostFixture.EventuallyAsync(() => posting.IsFaulted ? throw posting.Exception! : accepted.Count, n => n >= 8, "the first accepted messages", TimeSpan.FromSeconds(20));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.Storage!.StopAsync();
        var stopping = watch.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        watch.Restart();
        await server.Storage.StartAsync();
        output.WriteLine($"Azurite stopped in {stopping.TotalSeconds:0.0} s, down 3 s, started in {watch.Elapsed.TotalSeconds:0.0} s; {accepted.Count} messages accepted by then");

        var kills = new List<int>();
        for (var k = 0; k < 2; k++)
        {
            await DevHostFixture.EventuallyAsync(() => server.Handler.InvocationsInFlight, n => n > 0, "an invocation in flight", TimeSpan.FromSeconds(20));
            if (server.Handler.Kill() is { } pid)
            {
                kills.Add(pid);
            }
            await server.Handler.WaitUntilReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(500);
        }
        await posting;

        Assert.Equal(MessageCount, accepted.Count);
        Assert.NotEmpty(kills);
        output.WriteLine($"{accepted.Count} accepted after {refusedTotal} refused tries; handler killed {kills.Count}× ({server.Handler.Restarts} restarts)");

        // Up to 2 minutes: a report that overtook a killed send is re-queued with backoff (1, 2, 4 … 32 s) until the
        // send's redelivery records it; normally everything is terminal within seconds and the wait ends then.
        var check = await DeliveryInvariants.CheckAsync(server, fixture.Http, accepted.Values.ToList(), TimeSpan.FromSeconds(120), recipients);
        foreach (var queue in server.ServiceBus.Queues.Select(q => q.Snapshot(false)).Where(q => q.DeadLettered > 0 || q.Active + q.Locked > 0))
        {
            output.WriteLine($"queue {queue.Name}: active {queue.Active}, locked {queue.Locked}, dead letters: " +
                string.Join("; ", queue.DeadLetters.Select(d => $"{d.MessageId} {d.DeadLetterReason} [{string.Join(" | ", d.Failures.Take(2))}]")));
        }
        var report = await DeliveryInvariants.AssertAsync(server, fixture.Http, accepted.Values.ToList(), TimeSpan.FromSeconds(5), recipients);

        output.WriteLine(string.Join(", ", Enum.GetValues<TerminalKind>().Select(k => $"{k}: {report.Count(k)}")));
        Assert.Equal(MessageCount, report.Outcomes.Count);
        // Nothing was told to fail: a message may only end short of delivery by exhausting its deliveries.
        Assert.Equal(MessageCount, report.Count(TerminalKind.Delivered) + report.Count(TerminalKind.Undeliverable) + report.Count(TerminalKind.DeadLettered));
        Assert.False(server.WaitForShutdownAsync().IsCompleted, "the DevHost stopped (handler failure budget?)");
    }
}
