using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>
/// Issue 10, provider faults: a run of messages over SMS, email and WhatsApp (some with a fallback channel) while the
/// sandbox providers answer 429 + Retry-After, 500, 503, too late, with a dropped connection or a malformed success body
/// at fixed rates and seeds; then <see cref="DeliveryInvariants"/>: every message terminal exactly once, at most one
/// accepted send per (message, step), no status backwards (docs/reliability.md).
/// </summary>
[Collection(ProviderFaultCollection.Name)]
public sealed class ProviderFaultTests(ProviderFaultFixture fixture) : IDisposable
{
    /// <summary>The probability that a faulty rule fails a send; each recipient's rule has its own seed.</summary>
    private const double FailureRate = 0.6;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(35);

    public void Dispose() => fixture.Sandbox.Rules.Replace([]);

    private enum Kind { Throttled, Error, Transient, Drop, DropAfterAccept, ErrorAfterAccept, Malformed, TwilioTimeout, ReportFailed }

    private static SandboxRule[] RulesFor(Kind kind, string to, int seed) => kind switch
    {
        Kind.Throttled => [new() { To = to, Response = SandboxResponse.Throttled, RetryAfterSeconds = 1, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.Error => [new() { To = to, Response = SandboxResponse.Error, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.Transient => [new() { To = to, Response = SandboxResponse.Transient, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.Drop => [new() { To = to, Response = SandboxResponse.Drop, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.DropAfterAccept => [new() { To = to, Response = SandboxResponse.Drop, Accept = true, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.ErrorAfterAccept => [new() { To = to, Response = SandboxResponse.Error, Accept = true, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        Kind.Malformed => [new() { To = to, Response = SandboxResponse.Malformed, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 }],
        // ACS refuses (503: certainly not accepted), so the SMS fails over to Twilio, which accepts and answers after Omni's 2 s timeout.
        Kind.TwilioTimeout =>
        [
            new() { Provider = "acs", To = to, Response = SandboxResponse.Transient },
            new() { Provider = "twilio", To = to, Response = SandboxResponse.Timeout, HoldMs = 3000, FailureRate = FailureRate, Seed = seed, ReportDelayMs = 200 },
        ],
        _ => [new() { To = to, Report = SandboxReport.Failed, ReportDelayMs = 200 }],
    };

    [Fact]
    public async Task EveryFaultKind_AtFixedRates_LeavesEveryMessageTerminalOnce_WithAtMostOneAcceptedSendPerStep()
    {
        var kinds = Enum.GetValues<Kind>();
        const int count = 45;
        var plans = new List<(Kind Kind, Dictionary<string, string> To)>();
        var rules = new List<SandboxRule>();
        for (var i = 0; i < count; i++)
        {
            var kind = kinds[i % kinds.Length];
            var to = (i % 3, kind) switch
            {
                (_, Kind.TwilioTimeout) or (0, _) => new Dictionary<string, string> { ["sms"] = ProviderFaultFixture.NewMobile(), ["email"] = $"fault{i}-{Guid.NewGuid():N}@example.org" },
                (1, _) => new Dictionary<string, string> { ["email"] = $"fault{i}-{Guid.NewGuid():N}@example.org" },
                _ => new Dictionary<string, string> { ["whatsapp"] = ProviderFaultFixture.NewMobile(), ["sms"] = ProviderFaultFixture.NewMobile() },
            };
            plans.Add((kind, to));
            // The fault is on the first channel's address; a fallback channel behaves normally. ACS WhatsApp is sent
            // the number without its '+' (and a rule's "to" matches exactly).
            var first = to.First();
            rules.AddRange(RulesFor(kind, first.Key == "whatsapp" ? first.Value.TrimStart('+') : first.Value, seed: 1000 + i));
        }
        fixture.Sandbox.Rules.Replace(rules);

        var ids = new List<string>();
        var recipients = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (kind, to) in plans)
        {
            var id = await fixture.SendAsync(to, $"Fault run: {kind}");
            ids.Add(id);
            foreach (var address in to.Values)
            {
                recipients[address] = id;
            }
        }

        var report = await DeliveryInvariants.AssertAsync(fixture.Server, fixture.Http, ids, RunTimeout, recipients);

        // The faults really happened: every kind was injected at least once (fixed seeds make this reproducible).
        // (ACS WhatsApp records the number without its '+'.)
        var calls = fixture.Sandbox.Calls.List().Where(c => c.Recipient is { } r && (recipients.ContainsKey(r) || recipients.ContainsKey("+" + r))).ToList();
        foreach (var fault in new[] { "throttled", "error", "transient", "drop", "malformed", "timeout" })
        {
            Assert.True(calls.Any(c => c.Fault == fault), $"no sandbox call with fault {fault}");
        }
        Assert.Contains(calls, c => c.Fault == "drop" && c.Accepted);
        Assert.Contains(calls, c => c.Fault == "error" && c.Accepted);
        Assert.Contains(calls, c => c.Fault == "timeout" && c.Accepted && c.Provider == "twilio");
        // Most messages still get through (a fault rate of 0.6 with redelivery); the failed reports fall back or end undeliverable.
        Assert.True(report.Count(TerminalKind.Delivered) >= count / 2,
            $"only {report.Count(TerminalKind.Delivered)} of {count} delivered: " + string.Join(", ", report.Outcomes.Values.GroupBy(o => o.Status).Select(g => $"{g.Key} {g.Count()}")));
    }
}
