using BenchmarkDotNet.Attributes;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Benchmarks;

/// <summary>
/// <see cref="RoutingPolicy.Decide"/> on three representative requests, each built once in <see cref="Setup"/> so only the
/// decision itself is measured. Target (issue 9): at least 1,000,000 decisions/s on one core, no allocations beyond the result.
/// "Allocated" is the result itself: the <see cref="RoutingDecision"/>, its steps and step array, the trace array and the trace
/// lines that carry variable text (the fixed lines are shared strings); see docs/performance.md for the breakdown.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    /// <summary>Wednesday 15 January 2025, 12:00 UTC (12:00 in London): outside the contact's quiet hours.</summary>
    private static readonly DateTimeOffset Noon = new(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);

    /// <summary>23:00 in London: inside the contact's 21:00–08:00 quiet hours.</summary>
    private static readonly DateTimeOffset LateEvening = new(2025, 1, 15, 23, 0, 0, TimeSpan.Zero);

    private RoutingRequest _transactional = null!;
    private RoutingRequest _criticalSecurityQuietHours = null!;
    private RoutingRequest _longMarketingToEmail = null!;

    [GlobalSetup]
    public void Setup()
    {
        var contact = new Contact
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
        ChannelSettings[] settings =
        [
            new(Channel.Sms, true, 0.04m, IsInstant: true, SupportsRichContent: false, MaxSmsSegments: 10),
            new(Channel.Email, true, 0.001m, IsInstant: false, SupportsRichContent: true),
            new(Channel.WhatsApp, true, 0.02m, IsInstant: true, SupportsRichContent: false),
            new(Channel.Push, true, 0.005m, IsInstant: true, SupportsRichContent: false),
        ];
        ChannelHealth[] health = [new(Channel.Sms, 0.97, 1000), new(Channel.Email, 0.99, 1000), new(Channel.WhatsApp, 0.95, 1000)];
        var caps = new FrequencyCaps([new FrequencyCap(ConsentCategories.Marketing, 3, TimeSpan.FromDays(1))]);
        var recent = new RecentSends(new Dictionary<string, int> { [ConsentCategories.Marketing] = 1 });
        var noConsent = new ConsentLedger([]);

        // 1. Normal transactional message: sms + email + whatsapp, ordered by cost (email, whatsapp, sms).
        _transactional = new RoutingRequest(
            new OutboundMessage
            {
                Id = "m-transactional",
                Category = ConsentCategories.Transactional,
                Urgency = Urgency.Normal,
                Content = new MessageContent("Your order 10492 has shipped and will arrive on Friday.", "Your order has shipped"),
            },
            contact, noConsent, settings, health, caps, recent, Noon);

        // 2. Critical security message inside quiet hours: bypasses them, instant channels first.
        _criticalSecurityQuietHours = new RoutingRequest(
            new OutboundMessage
            {
                Id = "m-security",
                Category = ConsentCategories.Security,
                Urgency = Urgency.Critical,
                Strategy = RoutingStrategy.Escalate,
                Content = new MessageContent("Your sign-in code is 482913. It expires in 10 minutes.", "Your sign-in code"),
                ExpiresAt = LateEvening.AddMinutes(10),
            },
            contact, noConsent, settings, health, caps, recent, LateEvening);

        // 3. Long marketing text (5 GSM-7 segments), opted in on email and sms: whatsapp has no opt-in, and the long-text rule
        // removes sms because email is eligible, so email is the only step.
        ConsentEvent OptIn(string id, Channel channel) => new()
        {
            Id = id,
            Channel = channel,
            Category = ConsentCategories.Marketing,
            State = ConsentState.OptedIn,
            Source = ConsentSource.Form,
            ByContact = true,
            Evidence = "signup form v2",
            Actor = "web",
            At = Noon.AddDays(-10),
        };
        _longMarketingToEmail = new RoutingRequest(
            new OutboundMessage
            {
                Id = "m-marketing",
                Category = ConsentCategories.Marketing,
                Urgency = Urgency.Low,
                Content = new MessageContent(Repeat("Spring sale: 20% off everything in store and online until Sunday. ", 700), "Spring sale"),
            },
            contact, new ConsentLedger([OptIn("e0001", Channel.Email), OptIn("e0002", Channel.Sms)]), settings, health, caps, recent, Noon);

        // Fail fast when a request no longer exercises the path it is named after.
        Expect(_transactional, [Channel.Email, Channel.WhatsApp, Channel.Sms], "cheapest first");
        Expect(_criticalSecurityQuietHours, [Channel.WhatsApp, Channel.Sms, Channel.Email], "bypassed: critical urgency");
        Expect(_longMarketingToEmail, [Channel.Email], "sms: long text (5 segments");
    }

    [Benchmark(Baseline = true)]
    public RoutingDecision TransactionalCostOrdering() => RoutingPolicy.Decide(_transactional);

    [Benchmark]
    public RoutingDecision CriticalSecurityInQuietHours() => RoutingPolicy.Decide(_criticalSecurityQuietHours);

    [Benchmark]
    public RoutingDecision LongMarketingForcesEmail() => RoutingPolicy.Decide(_longMarketingToEmail);

    internal static string Repeat(string text, int length)
    {
        var builder = new System.Text.StringBuilder(length + text.Length);
        while (builder.Length < length)
        {
            builder.Append(text);
        }
        return builder.ToString(0, length);
    }

    private static void Expect(RoutingRequest request, Channel[] channels, string traceFragment)
    {
        var decision = RoutingPolicy.Decide(request);
        var actual = decision.Steps.Select(s => s.Channel).ToArray();
        if (decision.Outcome != RoutingOutcome.Send
            || !actual.SequenceEqual(channels)
            || !decision.Trace.Any(line => line.Contains(traceFragment, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                $"Message {request.Message.Id}: {decision.Outcome} [{string.Join(", ", actual)}], expected Send [{string.Join(", ", channels)}] and \"{traceFragment}\" in the trace:"
                + Environment.NewLine + string.Join(Environment.NewLine, decision.Trace));
        }
    }
}
