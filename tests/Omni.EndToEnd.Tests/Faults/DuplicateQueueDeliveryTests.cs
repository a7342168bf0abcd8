using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;
using Xunit.Abstractions;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>Every queue of this DevHost delivers every message twice, shuffled within a window of 4.</summary>
public sealed class DuplicateQueueDeliveryFixture : ProcessFaultHostFixture
{
    protected override DeliveryFaults DeliveryFaults => new() { Duplicate = true, ShuffleWindow = 4, Seed = 10 };
}

[CollectionDefinition(Name)]
public sealed class DuplicateQueueDeliveryCollection : ICollectionFixture<DuplicateQueueDeliveryFixture>
{
    public const string Name = "Faults.DuplicateQueueDelivery";
}

/// <summary>
/// Duplicate and out-of-order queue delivery (issue 10): every queue message (outbound, send-*, inbound reports, …)
/// delivered twice as two independent deliveries with the same MessageId, in shuffled order. No double send, no status
/// moving backwards, exact stats, every message terminal.
/// </summary>
[Collection(DuplicateQueueDeliveryCollection.Name)]
public sealed class DuplicateQueueDeliveryTests(DuplicateQueueDeliveryFixture fixture, ITestOutputHelper output)
{
    private const int PerChannel = 10;

    [Fact]
    public async Task EveryQueueMessageTwiceAndShuffled_NoDoubleSend_NoStateBackwards_ExactStats()
    {
        var server = fixture.Server;
        server.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 200 }]);
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        var recipients = new Dictionary<string, string>(StringComparer.Ordinal);
        var posts = Enumerable.Range(0, PerChannel * FaultMessages.Channels.Length).Select(async index =>
        {
            var channel = FaultMessages.Channels[index % FaultMessages.Channels.Length];
            var address = FaultMessages.Address(channel, run, index);
            var (id, _) = await FaultMessages.PostUntilAcceptedAsync(fixture.Http, server.BaseAddress,
                FaultMessages.Body(channel, address, index), $"{run}-{index}", TimeSpan.FromSeconds(20));
            return (id, address);
        });
        foreach (var (id, address) in await Task.WhenAll(posts))
        {
            ids.Add(id);
            recipients[address] = id;
        }

        var report = await DeliveryInvariants.AssertAsync(server, fixture.Http, ids, TimeSpan.FromSeconds(40), recipients);

        // The drill really ran: every queue the pipeline used made second copies.
        foreach (var queue in new[] { "outbound", "send-sms", "send-email", "send-whatsapp", "inbound" })
        {
            Assert.True(server.ServiceBus.GetQueue(queue)!.DuplicateDeliveries > 0, $"no duplicate deliveries on {queue}");
        }
        // No provider failures were asked for: every message delivered on its one step.
        Assert.Equal(ids.Count, report.Count(TerminalKind.Delivered));
        Assert.All(report.Outcomes.Values, o => Assert.Equal(1, o.Message.GetProperty("attempts").GetArrayLength()));
        // One provider call per message: a duplicate that re-sends a pending step reuses the idempotency id (a replay).
        // The sandbox records WhatsApp recipients as ACS Advanced Messaging takes them: digits without the '+'.
        static string Address(string? recipient) => recipient switch
        {
            null => "",
            _ when recipient.StartsWith("whatsapp:", StringComparison.Ordinal) => recipient[9..],
            _ when recipient.Length > 0 && char.IsAsciiDigit(recipient[0]) => "+" + recipient,
            _ => recipient,
        };
        var calls = server.Sandbox.Calls.List().Where(c => c.Accepted && recipients.ContainsKey(Address(c.Recipient))).ToList();
        Assert.True(calls.Count == ids.Count, $"{calls.Count} accepted calls for our recipients; all calls: " +
            string.Join(", ", server.Sandbox.Calls.List().GroupBy(c => (c.Channel, c.Accepted)).Select(g => $"{g.Key}: {g.Count()} e.g. {g.First().Recipient}")));
        Assert.Equal(ids.Count, calls.Select(c => Address(c.Recipient)).Distinct().Count());

        // Exact counts: stats are keyed by what happened, so a second delivery counts nothing twice.
        var totals = await DevHostFixture.EventuallyAsync(() => FaultMessages.ChannelTotalsAsync(fixture.Http, server.BaseAddress)!,
            t => FaultMessages.Channels.All(c => FaultMessages.Metric(t, c, "delivered") >= PerChannel), "the delivered stats", TimeSpan.FromSeconds(10));
        foreach (var channel in FaultMessages.Channels)
        {
            output.WriteLine($"{channel}: {totals[channel]}");
            Assert.Equal(PerChannel, FaultMessages.Metric(totals, channel, "sent"));
            Assert.Equal(PerChannel, FaultMessages.Metric(totals, channel, "delivered"));
            Assert.Equal(0, FaultMessages.Metric(totals, channel, "failed"));
            Assert.Equal(0, FaultMessages.Metric(totals, channel, "fallbacks"));
        }
    }
}
