using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Core.Tests.Routing;

public class RoutingPolicyTests
{
    /// <summary>Wednesday 15 January 2025, 12:00 UTC (= 12:00 in London): outside the default quiet hours.</summary>
    private static readonly DateTimeOffset Now = new(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private const string Phone = "+447700900123";
    private const string Email = "ana@example.com";
    private const string PushToken = "push-token-7f3a";
    private const string Body = "Your code is 482913. SECRETBODY";

    private static readonly QuietHours Overnight = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    private static readonly Contact BaseContact = new()
    {
        Id = "c-1",
        TimeZone = "Europe/London",
        QuietHours = Overnight,
        Addresses = new Dictionary<Channel, ContactAddress>
        {
            [Channel.Sms] = new(Phone),
            [Channel.Email] = new(Email),
            [Channel.WhatsApp] = new(Phone),
        },
    };

    private static readonly OutboundMessage BaseMessage = new()
    {
        Id = "m-1",
        Category = ConsentCategories.Transactional,
        Urgency = Urgency.Normal,
        Content = new MessageContent(Text: Body, Subject: "Your code"),
    };

    // Cost per message: email 0.001 < push 0.005 < whatsapp 0.02 < sms 0.04 (per segment).
    private static ChannelSettings SmsSettings => new(Channel.Sms, true, 0.04m, IsInstant: true, SupportsRichContent: false, MaxSmsSegments: 10);
    private static ChannelSettings EmailSettings => new(Channel.Email, true, 0.001m, IsInstant: false, SupportsRichContent: true);
    private static ChannelSettings WhatsAppSettings => new(Channel.WhatsApp, true, 0.02m, IsInstant: true, SupportsRichContent: false);
    private static ChannelSettings PushSettings => new(Channel.Push, true, 0.005m, IsInstant: true, SupportsRichContent: false);

    private static readonly Channel[] None = [];

    private static int _eventId;

    private static ConsentEvent Stop(Channel channel) => new()
    {
        Id = $"e{Interlocked.Increment(ref _eventId):D4}",
        Channel = channel,
        Category = null,
        State = ConsentState.OptedOut,
        Source = ConsentSource.Keyword,
        ByContact = true,
        Evidence = "STOP",
        Actor = "contact",
        At = Now.AddDays(-3),
    };

    private static ConsentEvent OptIn(Channel? channel, string category) => new()
    {
        Id = $"e{Interlocked.Increment(ref _eventId):D4}",
        Channel = channel,
        Category = category,
        State = ConsentState.OptedIn,
        Source = ConsentSource.Form,
        ByContact = true,
        Evidence = "signup form v2",
        Actor = "web",
        At = Now.AddDays(-10),
    };

    private static RoutingRequest Req(
        Func<OutboundMessage, OutboundMessage>? message = null,
        Func<Contact, Contact>? contact = null,
        ConsentEvent[]? consent = null,
        ChannelSettings[]? settings = null,
        ChannelHealth[]? health = null,
        FrequencyCap[]? caps = null,
        Dictionary<string, int>? recent = null,
        DateTimeOffset? now = null,
        RoutingOptions? options = null) => new(
            (message ?? (m => m))(BaseMessage),
            (contact ?? (c => c))(BaseContact),
            new ConsentLedger(consent ?? []),
            settings ?? [SmsSettings, EmailSettings, WhatsAppSettings, PushSettings],
            health ?? [],
            new FrequencyCaps(caps ?? []),
            new RecentSends(recent ?? []),
            now ?? Now,
            options);

    private static Contact WithAddress(Contact c, Channel channel, ContactAddress? address)
    {
        var addresses = new Dictionary<Channel, ContactAddress>(c.Addresses);
        if (address is null)
        {
            addresses.Remove(channel);
        }
        else
        {
            addresses[channel] = address;
        }
        return c with { Addresses = addresses };
    }

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    /// <summary>One named routing case: the request and what the decision must be.</summary>
    public sealed record RouteCase(
        string Name,
        Func<RoutingRequest> Build,
        RoutingOutcome Outcome,
        Channel[] Channels,
        DateTimeOffset? DeferUntil = null,
        string? TraceContains = null,
        TimeSpan? EscalateAfter = null);

    private static readonly RouteCase[] Cases =
    [
        // Expiry and send-at.
        new("Expiry_ExpiresAtInPast_Expired",
            () => Req(m => m with { ExpiresAt = Now.AddMinutes(-1) }), RoutingOutcome.Expired, None, TraceContains: "Expired at"),
        new("Expiry_ExpiresAtEqualsNow_Expired",
            () => Req(m => m with { ExpiresAt = Now }), RoutingOutcome.Expired, None),
        new("Expiry_ExpiresInFuture_Sent",
            () => Req(m => m with { ExpiresAt = Now.AddHours(1) }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),
        new("SendAt_InFuture_DeferredToSendAt",
            () => Req(m => m with { SendAt = Now.AddHours(3) }), RoutingOutcome.Deferred, None, Now.AddHours(3), "Send-at"),
        new("SendAt_NotBeforeExpiry_Expired",
            () => Req(m => m with { SendAt = Now.AddHours(3), ExpiresAt = Now.AddHours(2) }), RoutingOutcome.Expired, None, TraceContains: "expired before"),
        new("SendAt_InPast_SentNow",
            () => Req(m => m with { SendAt = Now.AddHours(-1) }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),

        // Candidates: allowed, forced, enabled, address.
        new("Candidates_NoPushAddress_PushSkipped",
            () => Req(), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "push: the contact has no push address"),
        new("Candidates_AllowedChannels_OnlyThoseUsed",
            () => Req(m => m with { AllowedChannels = [Channel.Sms, Channel.Email] }), RoutingOutcome.Send, [Channel.Email, Channel.Sms]),
        new("Candidates_ForcedChannel_OnlyThatChannel",
            () => Req(m => m with { ForcedChannel = Channel.Sms }), RoutingOutcome.Send, [Channel.Sms], TraceContains: "Channel forced: sms"),
        new("Candidates_ForcedNotInAllowed_Undeliverable",
            () => Req(m => m with { ForcedChannel = Channel.Sms, AllowedChannels = [Channel.Email] }), RoutingOutcome.Undeliverable, None,
            TraceContains: "sms: forced but not in the message's allowed channels"),
        new("Candidates_ChannelDisabled_Skipped",
            () => Req(settings: [SmsSettings, EmailSettings, WhatsAppSettings with { Enabled = false }]), RoutingOutcome.Send, [Channel.Email, Channel.Sms],
            TraceContains: "whatsapp: disabled"),
        new("Candidates_ChannelNotConfigured_Skipped",
            () => Req(settings: [SmsSettings, EmailSettings]), RoutingOutcome.Send, [Channel.Email, Channel.Sms], TraceContains: "whatsapp: not configured"),
        new("Candidates_SuppressedAddress_Skipped",
            () => Req(contact: c => WithAddress(c, Channel.Email, new ContactAddress(Email, new AddressSuppression($"hard bounce for {Email}", Now.AddDays(-1))))),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms], TraceContains: "email: the contact's email address is suppressed"),
        new("Candidates_ForcedChannelWithoutAddress_Undeliverable",
            () => Req(m => m with { ForcedChannel = Channel.Push }), RoutingOutcome.Undeliverable, None, TraceContains: "No eligible channel"),
        new("Candidates_NothingConfigured_UndeliverableWithReasonPerChannel",
            () => Req(settings: []), RoutingOutcome.Undeliverable, None, TraceContains: "email: not configured"),

        // Consent.
        new("Consent_SmsStop_SmsRemovedOthersKept",
            () => Req(consent: [Stop(Channel.Sms)]), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp], TraceContains: "sms: consent refused"),
        new("Consent_CriticalSecurityWithSmsStop_OptOutNeverBypassed",
            () => Req(m => m with { Category = ConsentCategories.Security, Urgency = Urgency.Critical }, consent: [Stop(Channel.Sms)]),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Email], TraceContains: "an opt-out is never bypassed"),
        new("Consent_CriticalSecurityUnknownConsent_Allowed",
            () => Req(m => m with { Category = ConsentCategories.Security, Urgency = Urgency.Critical }),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms, Channel.Email], TraceContains: "consent unknown"),
        new("Consent_MarketingWithoutOptIn_Undeliverable",
            () => Req(m => m with { Category = ConsentCategories.Marketing }), RoutingOutcome.Undeliverable, None, TraceContains: "need the contact's opt-in"),
        new("Consent_MarketingOptInOnEmailOnly_EmailOnly",
            () => Req(m => m with { Category = ConsentCategories.Marketing }, consent: [OptIn(Channel.Email, ConsentCategories.Marketing)]),
            RoutingOutcome.Send, [Channel.Email], TraceContains: "email: consent opted in"),
        new("Consent_EveryChannelStopped_Undeliverable",
            () => Req(consent: [Stop(Channel.Sms), Stop(Channel.Email), Stop(Channel.WhatsApp)]), RoutingOutcome.Undeliverable, None,
            TraceContains: "whatsapp: consent refused"),

        // Urgency and preference.
        new("Urgency_NormalNoPreference_CheapestFirst",
            () => Req(), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "cheapest first"),
        new("Urgency_CriticalTransactional_InstantChannelsFirstEmailLast",
            () => Req(m => m with { Urgency = Urgency.Critical }), RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms, Channel.Email],
            TraceContains: "instant channels first"),
        new("Urgency_HighWithPush_InstantFirstCheapestInstantLeads",
            () => Req(m => m with { Urgency = Urgency.High }, c => WithAddress(c, Channel.Push, new ContactAddress(PushToken))),
            RoutingOutcome.Send, [Channel.Push, Channel.WhatsApp, Channel.Sms, Channel.Email]),
        new("Urgency_CriticalSecurityPreferringEmail_InstantStillFirst",
            () => Req(m => m with { Category = ConsentCategories.Security, Urgency = Urgency.Critical },
                c => c with { PreferredChannels = [Channel.Email, Channel.Sms] }),
            RoutingOutcome.Send, [Channel.Sms, Channel.WhatsApp, Channel.Email]),
        new("Urgency_NormalPreferringSms_CheaperChannelStillFirst",
            () => Req(contact: c => c with { PreferredChannels = [Channel.Sms] }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),
        new("Preference_EqualCostPreferWhatsApp_WhatsAppFirst",
            () => Req(contact: c => c with { PreferredChannels = [Channel.WhatsApp, Channel.Sms] },
                settings: [SmsSettings with { UnitCost = 0.02m }, WhatsAppSettings]),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms]),
        new("Preference_EqualCostPreferSms_SmsFirst",
            () => Req(contact: c => c with { PreferredChannels = [Channel.Sms] },
                settings: [SmsSettings with { UnitCost = 0.02m }, WhatsAppSettings]),
            RoutingOutcome.Send, [Channel.Sms, Channel.WhatsApp]),
        new("Cost_SmsTwoSegments_CostsMoreThanWhatsApp",
            () => Req(m => m with { Content = new MessageContent(new string('a', 200)) },
                settings: [SmsSettings with { UnitCost = 0.01m }, WhatsAppSettings with { UnitCost = 0.015m }]),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms], TraceContains: "sms: text needs 2 GSM-7 segment(s)"),
        new("Cost_SmsOneSegment_CheaperThanWhatsApp",
            () => Req(m => m with { Content = new MessageContent(new string('a', 160)) },
                settings: [SmsSettings with { UnitCost = 0.01m }, WhatsAppSettings with { UnitCost = 0.015m }]),
            RoutingOutcome.Send, [Channel.Sms, Channel.WhatsApp]),
        new("Cost_SmsTextOverrideShort_UsesOverrideForSegments",
            () => Req(m => m with { Content = new MessageContent(new string('a', 200), TextByChannel: new Dictionary<Channel, string> { [Channel.Sms] = "short" }) },
                settings: [SmsSettings with { UnitCost = 0.01m }, WhatsAppSettings with { UnitCost = 0.015m }]),
            RoutingOutcome.Send, [Channel.Sms, Channel.WhatsApp]),

        // Content fit.
        new("Content_RichHtml_EmailOnly",
            () => Req(m => m with { Content = new MessageContent(Body, "Invoice", "<p>Invoice</p>") }), RoutingOutcome.Send, [Channel.Email],
            TraceContains: "sms: cannot carry rich content"),
        new("Content_AttachmentsWithoutEmail_TextChannelsKept",
            () => Req(m => m with { Content = new MessageContent(Body, HasAttachments: true) }, settings: [SmsSettings, WhatsAppSettings]),
            RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms], TraceContains: "no eligible channel supports it"),
        new("Content_LongTextEmailEligible_SmsNotAdequate",
            () => Req(m => m with { Content = new MessageContent(new string('a', 500)) }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp],
            TraceContains: "sms: long text (4 segments, more than 3)"),
        new("Content_LongTextNoEmail_SmsKept",
            () => Req(m => m with { Content = new MessageContent(new string('a', 500)), AllowedChannels = [Channel.Sms] }),
            RoutingOutcome.Send, [Channel.Sms], TraceContains: "email is not eligible: kept"),
        new("Content_OverMaxSmsSegments_Undeliverable",
            () => Req(m => m with { Content = new MessageContent(new string('a', 400)), ForcedChannel = Channel.Sms },
                settings: [SmsSettings with { MaxSmsSegments = 2 }]),
            RoutingOutcome.Undeliverable, None, TraceContains: "over the limit of 2"),
        new("Content_Ucs2LongText_SmsNotAdequate",
            () => Req(m => m with { Content = new MessageContent(new string('ж', 210)) }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp],
            TraceContains: "4 UCS-2 segment(s)"),

        // Frequency caps.
        new("Cap_MarketingAtDailyCap_Capped",
            () => Req(m => m with { Category = ConsentCategories.Marketing }, consent: [OptIn(null, ConsentCategories.Marketing)],
                caps: [new FrequencyCap(ConsentCategories.Marketing, 2, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Marketing] = 2 }),
            RoutingOutcome.Capped, None, TraceContains: "2 sent of at most 2"),
        new("Cap_MarketingBelowCap_Sent",
            () => Req(m => m with { Category = ConsentCategories.Marketing }, consent: [OptIn(null, ConsentCategories.Marketing)],
                caps: [new FrequencyCap(ConsentCategories.Marketing, 2, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Marketing] = 1 }),
            RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "within the cap"),
        new("Cap_OtherCategorySendsOnly_NotCapped",
            () => Req(m => m with { Category = ConsentCategories.Support },
                caps: [new FrequencyCap(ConsentCategories.Support, 1, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Marketing] = 9 }),
            RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),
        new("Cap_SecurityOverCap_NeverCapped",
            () => Req(m => m with { Category = ConsentCategories.Security },
                caps: [new FrequencyCap(ConsentCategories.Security, 1, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Security] = 5 }),
            RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "never frequency-capped"),
        new("Cap_TransactionalOverCap_NeverCapped",
            () => Req(caps: [new FrequencyCap(ConsentCategories.Transactional, 1, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Transactional] = 5 }),
            RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "never frequency-capped"),
        new("Cap_UndeliverableMessage_UndeliverableBeforeCap",
            () => Req(m => m with { Category = ConsentCategories.Marketing },
                caps: [new FrequencyCap(ConsentCategories.Marketing, 1, TimeSpan.FromDays(1))], recent: new() { [ConsentCategories.Marketing] = 3 }),
            RoutingOutcome.Undeliverable, None),

        // Quiet hours (21:00–08:00 local).
        new("Quiet_NormalAt2200London_DeferredTo0800London",
            () => Req(now: Utc(2025, 1, 15, 22)), RoutingOutcome.Deferred, None, Utc(2025, 1, 16, 8), "Inside quiet hours 21:00–08:00 (Europe/London)"),
        new("Quiet_NormalAfterMidnight_DeferredToSameMorning",
            () => Req(now: Utc(2025, 1, 16, 3)), RoutingOutcome.Deferred, None, Utc(2025, 1, 16, 8)),
        new("Quiet_NewYorkContactAt2200Local_DeferredTo0800Local",
            () => Req(contact: c => c with { TimeZone = "America/New_York" }, now: Utc(2025, 1, 16, 3)), RoutingOutcome.Deferred, None, Utc(2025, 1, 16, 13)),
        new("Quiet_LondonSummer_WindowInBst",
            () => Req(now: Utc(2025, 7, 15, 20, 30)), RoutingOutcome.Deferred, None, Utc(2025, 7, 16, 7)),
        new("Quiet_WindowEndInSpringForwardGap_ResolvedForward",
            // 02:30 does not exist in New York on 2025-03-09 (02:00 EST → 03:00 EDT): the window ends at 03:30 EDT = 07:30 UTC.
            () => Req(contact: c => c with { TimeZone = "America/New_York", QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(2, 30)) },
                now: Utc(2025, 3, 9, 4)),
            RoutingOutcome.Deferred, None, Utc(2025, 3, 9, 7, 30)),
        new("Quiet_HighUrgency_StillDeferred",
            () => Req(m => m with { Urgency = Urgency.High }, now: Utc(2025, 1, 15, 23)), RoutingOutcome.Deferred, None, Utc(2025, 1, 16, 8)),
        new("Quiet_CriticalUrgency_Bypassed",
            () => Req(m => m with { Urgency = Urgency.Critical }, now: Utc(2025, 1, 15, 23)), RoutingOutcome.Send,
            [Channel.WhatsApp, Channel.Sms, Channel.Email], TraceContains: "bypassed: critical urgency"),
        new("Quiet_SecurityNormalUrgency_Bypassed",
            () => Req(m => m with { Category = ConsentCategories.Security }, now: Utc(2025, 1, 15, 23)), RoutingOutcome.Send,
            [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "bypassed: security category"),
        new("Quiet_ExpiresBeforeWindowEnds_Expired",
            () => Req(m => m with { ExpiresAt = Utc(2025, 1, 16, 6) }, now: Utc(2025, 1, 15, 23)), RoutingOutcome.Expired, None,
            TraceContains: "expired before it could be sent"),
        new("Quiet_NoTimeZone_EvaluatedInUtc",
            () => Req(contact: c => c with { TimeZone = null }, now: Utc(2025, 1, 15, 22)), RoutingOutcome.Deferred, None, Utc(2025, 1, 16, 8),
            "evaluated in UTC"),
        new("Quiet_NoQuietHours_SentAtNight",
            () => Req(contact: c => c with { QuietHours = null }, now: Utc(2025, 1, 15, 23)), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),

        // Health.
        new("Health_EmailUnhealthy_MovedToEnd",
            () => Req(health: [new ChannelHealth(Channel.Email, 0.5, 200)]), RoutingOutcome.Send, [Channel.WhatsApp, Channel.Sms, Channel.Email],
            TraceContains: "email: unhealthy"),
        new("Health_LowRateFewSamples_Ignored",
            () => Req(health: [new ChannelHealth(Channel.Email, 0.1, 10)]), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms]),
        new("Health_CriticalInstantUnhealthy_AfterEmail",
            () => Req(m => m with { Urgency = Urgency.Critical }, health: [new ChannelHealth(Channel.WhatsApp, 0.6, 500)]), RoutingOutcome.Send,
            [Channel.Sms, Channel.Email, Channel.WhatsApp]),
        new("Health_EqualCostAndPreference_HigherRateFirst",
            () => Req(settings: [SmsSettings with { UnitCost = 0.02m }, WhatsAppSettings],
                health: [new ChannelHealth(Channel.Sms, 0.99, 100), new ChannelHealth(Channel.WhatsApp, 0.9, 100)]),
            RoutingOutcome.Send, [Channel.Sms, Channel.WhatsApp]),

        // Strategy.
        new("Strategy_First_OrderedFallbacksWithoutDeadline",
            () => Req(), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], TraceContains: "first, the rest as fallbacks"),
        new("Strategy_All_EveryEligibleChannel",
            () => Req(m => m with { Strategy = RoutingStrategy.All }), RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms],
            TraceContains: "all at once"),
        new("Strategy_EscalateCritical_TwoMinutesPerStep",
            () => Req(m => m with { Strategy = RoutingStrategy.Escalate, Urgency = Urgency.Critical }), RoutingOutcome.Send,
            [Channel.WhatsApp, Channel.Sms, Channel.Email], EscalateAfter: TimeSpan.FromMinutes(2)),
        new("Strategy_EscalateLow_SixHoursPerStep",
            () => Req(m => m with { Strategy = RoutingStrategy.Escalate, Urgency = Urgency.Low }), RoutingOutcome.Send,
            [Channel.Email, Channel.WhatsApp, Channel.Sms], EscalateAfter: TimeSpan.FromHours(6)),
        new("Strategy_EscalateCustomOptions_UsesConfiguredDelay",
            () => Req(m => m with { Strategy = RoutingStrategy.Escalate }, options: new RoutingOptions { EscalateAfterNormal = TimeSpan.FromMinutes(30) }),
            RoutingOutcome.Send, [Channel.Email, Channel.WhatsApp, Channel.Sms], EscalateAfter: TimeSpan.FromMinutes(30)),
    ];

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
        {
            data.Add(c.Name);
        }
        return data;
    }

    private static RouteCase Case(string name) => Cases.Single(c => c.Name == name);

    [Fact]
    public void Cases_Names_AreUniqueAndMany()
    {
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.True(Cases.Length >= 30, $"only {Cases.Length} cases");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decide_Case_MatchesExpectedDecision(string name)
    {
        var expected = Case(name);
        var decision = RoutingPolicy.Decide(expected.Build());

        var trace = string.Join(Environment.NewLine, decision.Trace);
        Assert.True(expected.Outcome == decision.Outcome, $"outcome {decision.Outcome}, expected {expected.Outcome}; trace:{Environment.NewLine}{trace}");
        Assert.Equal(expected.Channels, decision.Steps.Select(s => s.Channel).ToArray());
        Assert.Equal(expected.DeferUntil, decision.DeferUntil);
        Assert.All(decision.Steps, s => Assert.Equal(expected.EscalateAfter, s.EscalateAfter));
        if (expected.TraceContains is { } fragment)
        {
            Assert.Contains(decision.Trace, line => line.Contains(fragment, StringComparison.Ordinal));
        }
        Assert.NotEmpty(decision.Trace);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decide_AnyCase_TraceNeverHoldsAddressesOrText(string name)
    {
        var request = Case(name).Build();
        var decision = RoutingPolicy.Decide(request);
        var secrets = request.Contact.Addresses.Values.Select(a => a.Value).Append("SECRETBODY").Append("aaaaaaaaaa").Append("жжжжж");
        foreach (var line in decision.Trace)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Decide_Send_StepsCarryTheContactsNormalisedAddresses()
    {
        var decision = RoutingPolicy.Decide(Req(m => m with { Strategy = RoutingStrategy.All }));
        Assert.Equal(RoutingOutcome.Send, decision.Outcome);
        Assert.Equal(Email, decision.Steps.Single(s => s.Channel == Channel.Email).Address);
        Assert.Equal(Phone, decision.Steps.Single(s => s.Channel == Channel.Sms).Address);
        Assert.Equal(Phone, decision.Steps.Single(s => s.Channel == Channel.WhatsApp).Address);
    }

    [Fact]
    public void Decide_SameRequestTwice_SameDecision()
    {
        var request = Req(m => m with { Urgency = Urgency.High }, health: [new ChannelHealth(Channel.Sms, 0.5, 100)]);
        var first = RoutingPolicy.Decide(request);
        var second = RoutingPolicy.Decide(request);
        Assert.Equal(first.Outcome, second.Outcome);
        Assert.Equal(first.Steps, second.Steps);
        Assert.Equal(first.Trace, second.Trace);
    }

    [Fact]
    public void Decide_CategoryCaseDiffers_CapStillApplies()
    {
        var decision = RoutingPolicy.Decide(Req(
            m => m with { Category = "marketing" },
            consent: [OptIn(null, ConsentCategories.Marketing)],
            caps: [new FrequencyCap("Marketing", 1, TimeSpan.FromDays(1))],
            recent: new() { ["MARKETING"] = 1 }));
        Assert.Equal(RoutingOutcome.Capped, decision.Outcome);
    }
}
