using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Core.Tests.Inbound;

/// <summary>The reserved compliance category: Omni's own STOP/START/HELP answers.</summary>
public class ComplianceCategoryTests
{
    /// <summary>23:30 in London: inside the contact's quiet hours.</summary>
    private static readonly DateTimeOffset Night = new(2025, 1, 15, 23, 30, 0, TimeSpan.Zero);

    private static readonly Contact Contact = new()
    {
        Id = "c-1",
        TimeZone = "Europe/London",
        QuietHours = new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0)),
        Addresses = new Dictionary<Channel, ContactAddress>
        {
            [Channel.Sms] = new("+447700900123"),
            [Channel.Email] = new("ana@example.com"),
            [Channel.WhatsApp] = new("+447700900123"),
        },
    };

    private static readonly ChannelSettings[] Settings =
    [
        new(Channel.Sms, true, 0.04m, IsInstant: true, SupportsRichContent: false, MaxSmsSegments: 10),
        new(Channel.Email, true, 0.001m, IsInstant: false, SupportsRichContent: true),
        new(Channel.WhatsApp, true, 0.02m, IsInstant: true, SupportsRichContent: false),
    ];

    private static ConsentEvent Stop(Channel? channel) => new()
    {
        Id = "e1", Channel = channel, State = ConsentState.OptedOut, Source = ConsentSource.Keyword, ByContact = true,
        Evidence = "keyword=STOP; event=acs:1;", Actor = "contact", At = Night.AddMinutes(-1),
    };

    private static RoutingDecision Decide(Channel? forced, ConsentEvent[] consent, string category = ConsentCategories.Compliance, RecentSends? recent = null) =>
        RoutingPolicy.Decide(new RoutingRequest(
            new OutboundMessage
            {
                Id = "cmp_1",
                Category = category,
                Urgency = Urgency.High,
                ForcedChannel = forced,
                Content = new MessageContent(Text: "You are unsubscribed."),
            },
            Contact, new ConsentLedger(consent), Settings, [],
            new FrequencyCaps([new FrequencyCap(category, 1, TimeSpan.FromDays(1))]),
            recent ?? RecentSends.None, Night));

    [Fact]
    public void Decide_ComplianceOnTheForcedChannel_PassesAnOptOutOnThatChannel()
    {
        var decision = Decide(Channel.Sms, [Stop(Channel.Sms)]);

        Assert.Equal(RoutingOutcome.Send, decision.Outcome);
        Assert.Equal(Channel.Sms, Assert.Single(decision.Steps).Channel);
        Assert.Contains(decision.Trace, line => line.Contains("compliance reply on the channel the contact used", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_ComplianceAfterAStopEverywhere_StillOnlyTheForcedChannel()
    {
        var decision = Decide(Channel.WhatsApp, [Stop(null)]);

        Assert.Equal(RoutingOutcome.Send, decision.Outcome);
        Assert.Equal(Channel.WhatsApp, Assert.Single(decision.Steps).Channel);
    }

    [Fact]
    public void Decide_ComplianceWithoutAForcedChannel_IsUndeliverable()
    {
        var decision = Decide(null, []);

        Assert.Equal(RoutingOutcome.Undeliverable, decision.Outcome);
        Assert.Contains(decision.Trace, line => line.Contains("sms: compliance messages are sent only on the forced channel", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_Compliance_IsNeverCapped_AndIgnoresQuietHours()
    {
        var decision = Decide(Channel.Sms, [], recent: new RecentSends(new Dictionary<string, int> { [ConsentCategories.Compliance] = 5 }));

        Assert.Equal(RoutingOutcome.Send, decision.Outcome);
        Assert.Contains(decision.Trace, line => line.Contains("never frequency-capped", StringComparison.Ordinal));
        Assert.Contains(decision.Trace, line => line.Contains("bypassed: compliance reply", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_OtherCategoryOnTheForcedChannel_StillRespectsTheOptOut()
    {
        var decision = Decide(Channel.Sms, [Stop(Channel.Sms)], category: ConsentCategories.Transactional);

        Assert.Equal(RoutingOutcome.Undeliverable, decision.Outcome);
    }

    [Theory]
    [InlineData("compliance", true)]
    [InlineData("COMPLIANCE", true)]
    [InlineData("transactional", false)]
    [InlineData(null, false)]
    public void IsReserved_OnlyCompliance(string? category, bool reserved)
    {
        Assert.Equal(reserved, ConsentCategories.IsReserved(category));
    }

    [Fact]
    public void Validate_ComplianceFromAnApp_IsRefused_UnlessAllowed()
    {
        var request = new MessageRequest { ContactId = "c-1", Category = "compliance", Content = new MessageContentRequest { Text = "hi" } };

        var errors = new ValidationErrors();
        Assert.Null(MessageRequestValidator.Validate(request, errors));
        Assert.Contains("reserved", Assert.Single(errors.ToDictionary()["category"]), StringComparison.Ordinal);

        var allowed = new ValidationErrors();
        Assert.NotNull(MessageRequestValidator.Validate(request, allowed, allowReservedCategory: true));
        Assert.True(allowed.IsValid);
    }
}
