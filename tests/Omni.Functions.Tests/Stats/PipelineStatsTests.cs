using Microsoft.Extensions.Logging.Abstractions;
using Omni.Azure.Tables;
using Omni.Channels;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Stats;
using Omni.Functions.Stats;
using Omni.Functions.Tests.Messages;
using Omni.Storage.Stats;

namespace Omni.Functions.Tests.Stats;

/// <summary>What the outbound pipeline records in the stats (real Azurite, the harness's own stats table).</summary>
public sealed class PipelineStatsTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static MessageRequest Text(string contactId, string category = "transactional", string urgency = "high") => new()
    {
        ContactId = contactId, Category = category, Urgency = urgency, Strategy = "first",
        Content = new MessageContentRequest { Text = "Your code is 123456", Subject = "Your code" },
    };

    private static async Task<List<StatEvent>> EventsOfAsync(PipelineHarness h, string messageId) =>
        [.. (await h.Stats.ReadAsync(h.Clock.GetUtcNow().AddDays(-1), h.Clock.GetUtcNow().AddDays(1), CancellationToken.None))
            .Where(e => e.Key.StartsWith(messageId + ":", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal)];

    [Fact]
    public async Task DeliveredSms_RecordsSentWithCost_AndDeliveredWithLatency()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();
        h.Clock.Advance(TimeSpan.FromSeconds(3));
        h.Report(h.Sms, id, AttemptStatus.Delivered);
        await h.RunQueuesAsync();

        var events = await EventsOfAsync(h, id);

        Assert.Equal([$"{id}:0:delivered", $"{id}:0:sent"], events.Select(e => e.Key));
        var delivered = events[0];
        Assert.Equal((StatKind.Delivered, (Channel?)Channel.Sms, "acs", 3000L), (delivered.Kind, delivered.Channel, delivered.Provider, delivered.LatencyMs));
        var sent = events[1];
        Assert.Equal((0.0075m, "USD", 1, $"{id}:0"), (sent.Cost, sent.Currency, sent.Segments, sent.Attempt));
    }

    [Fact]
    public async Task RefusedSms_RecordsFailedAndFallback_ThenTheEmail_AndARepeatedReportAddsNothing()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Permanent, "invalid recipient");
        var id = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();
        h.Report(h.Email, id, AttemptStatus.Delivered);
        h.Report(h.Email, id, AttemptStatus.Delivered); // the provider retries its webhook with a new event id
        await h.RunQueuesAsync();

        var events = await EventsOfAsync(h, id);

        Assert.Equal(
            [($"{id}:0:failed", StatKind.Failed, Channel.Sms), ($"{id}:0:fallback", StatKind.Fallback, Channel.Sms),
             ($"{id}:1:delivered", StatKind.Delivered, Channel.Email), ($"{id}:1:sent", StatKind.Sent, Channel.Email)],
            events.Select(e => (e.Key, e.Kind, e.Channel!.Value)));
        var report = ChannelStatsAggregator.Aggregate(events, h.Clock.GetUtcNow().AddHours(-1), h.Clock.GetUtcNow().AddHours(1), StatsGranularity.Hour);
        Assert.Equal((1, 0, 0.0), (report.Channels[0].Totals.Attempted, report.Channels[0].Totals.Delivered, report.Channels[0].Totals.DeliveryRate!.Value));
        Assert.Equal((1, 1, 1.0), (report.Channels[1].Totals.Attempted, report.Channels[1].Totals.Delivered, report.Channels[1].Totals.DeliveryRate!.Value));
    }

    [Fact]
    public async Task MarketingWithoutOptIn_RecordsAConsentSuppressionPerChannel_AndOneUndeliverable()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, category: "marketing", urgency: "normal"));

        await h.RunQueuesAsync();

        Assert.Equal(MessageStatus.Undeliverable, (await h.GetAsync(id)).Status);
        Assert.Equal(
            [($"{id}:suppressed-consent:email", (Channel?)Channel.Email), ($"{id}:suppressed-consent:sms", Channel.Sms), ($"{id}:undeliverable", null)],
            (await EventsOfAsync(h, id)).Select(e => (e.Key, e.Channel)));
    }

    [Fact]
    public async Task EveryStepFailing_RecordsUndeliverableOnTheLastChannel()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Permanent, "invalid recipient");
        h.Email.Then(SendOutcome.Permanent, "bad mailbox");
        var id = await h.AcceptAsync(Text(contact.Id));

        await h.RunQueuesAsync();

        var events = await EventsOfAsync(h, id);
        var undeliverable = Assert.Single(events, e => e.Kind == StatKind.Undeliverable);
        Assert.Equal(($"{id}:undeliverable", (Channel?)Channel.Email), (undeliverable.Key, undeliverable.Channel));
        Assert.Equal(2, events.Count(e => e.Kind == StatKind.Failed));
    }

    [Fact]
    public async Task UnhealthySmsInTheStats_MovesSmsToTheEndOfThePlan()
    {
        var h = new PipelineHarness(storage);
        var at = h.Clock.GetUtcNow().AddHours(-2);
        for (var i = 0; i < 60; i++)
        {
            var attempt = $"old{i}:0";
            await h.Stats.WriteAsync(new StatEvent { Key = attempt + ":sent", At = at, Kind = StatKind.Sent, Channel = Channel.Sms, Provider = "acs", Attempt = attempt }, CancellationToken.None);
            if (i < 30)
            {
                await h.Stats.WriteAsync(new StatEvent { Key = attempt + ":delivered", At = at, Kind = StatKind.Delivered, Channel = Channel.Sms, Provider = "acs", Attempt = attempt }, CancellationToken.None);
            }
        }
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id));

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal([Channel.Email, Channel.Sms], record.Plan.Select(p => p.Channel));
        Assert.Contains(record.Trace, l => l.StartsWith("sms: unhealthy (delivery rate 0.50", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARecorderWhoseStorageIsDown_DoesNotThrow()
    {
        var down = new TableServiceClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } });
        var store = new TableStatsStore(down);
        var recorder = new StatsRecorder(store, NullLogger<StatsRecorder>.Instance);
        var statEvent = new StatEvent { Key = "m:0:sent", At = DateTimeOffset.UtcNow, Kind = StatKind.Sent, Channel = Channel.Sms };

        await recorder.RecordAsync(statEvent, CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => store.WriteAsync(statEvent, CancellationToken.None)); // the store itself does fail
        var health = new ChannelHealthSource(store, TimeProvider.System, NullLogger<ChannelHealthSource>.Instance);
        Assert.Empty(await health.GetAsync(DateTimeOffset.UtcNow, CancellationToken.None)); // no health: every channel counts as healthy
    }
}
