using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Core.Stats;

namespace Omni.Core.Tests.Stats;

public sealed class StatEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static MessageRecord Record(params MessageAttempt[] attempts) => new()
    {
        Id = "msg_1", Request = new MessageRequest { Id = "msg_1" }, Attempts = attempts,
    };

    private static MessageAttempt Attempt(AttemptStatus status, params AttemptStatus[] history) => new()
    {
        Step = 0, Channel = Channel.Email, Status = status, Provider = "acs", StartedAt = Now, Cost = 0.00025m, Currency = "USD",
        History = [.. history.Select(s => new AttemptStatusChange(s, Now, "report"))],
    };

    private static InboundEvent Report(AttemptStatus status, InboundEventKind kind = InboundEventKind.Delivery, string? engagement = null) => new()
    {
        Id = "acs:e1", Kind = kind, Provider = "acs", Channel = Channel.Email, ProviderMessageId = "p1", Status = status,
        Engagement = engagement, OccurredAt = Now.AddSeconds(3),
    };

    [Fact]
    public void Sent_CarriesProviderCostAndAttempt()
    {
        var e = Assert.Single(StatEvents.Sent(Record(Attempt(AttemptStatus.Queued)), 0, Now));

        Assert.Equal(("msg_1:0:sent", StatKind.Sent, Channel.Email, "acs", "msg_1:0", 0.00025m, "USD"),
            (e.Key, e.Kind, e.Channel, e.Provider, e.Attempt, e.Cost, e.Currency));
    }

    [Fact]
    public void DeliveredReport_HasTheLatencyFromTheAttemptStart()
    {
        var e = Assert.Single(StatEvents.Report("msg_1", 0, Report(AttemptStatus.Delivered), Record(Attempt(AttemptStatus.Delivered, AttemptStatus.Delivered)), Now));

        Assert.Equal(("msg_1:0:delivered", 3000L), (e.Key, e.LatencyMs));
    }

    [Fact]
    public void ReadWithoutADeliveryReport_CountsDeliveredToo_AndAClickCountsClicked()
    {
        var events = StatEvents.Report("msg_1", 0, Report(AttemptStatus.Read, InboundEventKind.Engagement, "click"),
            Record(Attempt(AttemptStatus.Read, AttemptStatus.Pending, AttemptStatus.Read)), Now);

        Assert.Equal(["msg_1:0:clicked", "msg_1:0:delivered", "msg_1:0:read"], events.Select(e => e.Key));
    }

    [Fact]
    public void ReportThatChangedNothing_RecordsOnlyAClick()
    {
        Assert.Empty(StatEvents.Report("msg_1", 0, Report(AttemptStatus.Delivered), null, Now));
        Assert.Equal(["msg_1:0:clicked"], StatEvents.Report("msg_1", 0, Report(AttemptStatus.Read, InboundEventKind.Engagement, "click"), null, Now).Select(e => e.Key));
    }

    [Fact]
    public void Routing_CountsConsentRefusalsPerChannel_AndTheQuietHoursOutcomeOnce()
    {
        var decision = new RoutingDecision(RoutingOutcome.Deferred, [], Now.AddHours(8),
        [
            "sms: consent refused: opted out by STOP",
            "whatsapp: consent refused: no opt-in for marketing",
            "email: consent opted-in: allowed.",
            "Inside quiet hours 22:00–07:00 (Europe/London): deferred until 2026-11-24T07:00:00Z.",
        ]);

        var events = StatEvents.Routing("msg_1", decision, Now);

        Assert.Equal(
            [("msg_1:suppressed-consent:sms", StatKind.SuppressedConsent, (Channel?)Channel.Sms),
             ("msg_1:suppressed-consent:whatsapp", StatKind.SuppressedConsent, Channel.WhatsApp),
             ("msg_1:suppressed-quiet-hours", StatKind.SuppressedQuietHours, null)],
            events.Select(e => (e.Key, e.Kind, e.Channel)));
    }

    [Fact]
    public void Routing_SendAtDeferral_IsNotASuppression()
    {
        var decision = new RoutingDecision(RoutingOutcome.Deferred, [], Now.AddHours(1), ["Send-at 2026-11-23T13:00:00Z is in the future: deferred until then."]);

        Assert.Empty(StatEvents.Routing("msg_1", decision, Now));
    }

    [Theory]
    [InlineData(RoutingOutcome.Capped, "msg_1:capped")]
    [InlineData(RoutingOutcome.Undeliverable, "msg_1:undeliverable")]
    [InlineData(RoutingOutcome.Expired, "msg_1:expired")]
    public void Routing_OutcomesAreOnePerMessageWithoutChannel(RoutingOutcome outcome, string key)
    {
        var e = Assert.Single(StatEvents.Routing("msg_1", new RoutingDecision(outcome, [], null, ["why"]), Now));

        Assert.Equal((key, (Channel?)null), (e.Key, e.Channel));
    }

    [Fact]
    public void Outcome_UndeliverableAfterAttempts_IsOnTheLastChannel()
    {
        var record = Record(Attempt(AttemptStatus.Failed)) with { Status = MessageStatus.Undeliverable };

        var e = Assert.Single(StatEvents.Outcome(record, Now));

        Assert.Equal(("msg_1:undeliverable", (Channel?)Channel.Email), (e.Key, e.Channel));
        Assert.Empty(StatEvents.Outcome(record with { Status = MessageStatus.Delivered }, Now));
    }

    [Fact]
    public void Reply_AndCsat_AreKeyedByTheInboundEvent()
    {
        var reply = StatEvents.Reply("twilio:SM1", Channel.Sms, "twilio", Now, TimeSpan.FromSeconds(90));
        var csat = StatEvents.Csat("twilio:SM1", Channel.Sms, "twilio", Now, 4);

        Assert.Equal(("twilio:SM1:reply", 90_000L), (reply.Key, reply.ResponseMs));
        Assert.Equal(("twilio:SM1:csat", 4), (csat.Key, csat.Score));
        Assert.Throws<ArgumentOutOfRangeException>(() => StatEvents.Csat("x", Channel.Sms, "acs", Now, 6));
    }
}
