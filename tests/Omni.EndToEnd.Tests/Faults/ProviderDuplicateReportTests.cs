using System.Globalization;
using System.Net;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>
/// Issue 10, duplicate and out-of-order delivery reports: every report of every send is posted twice (each post its own
/// Event Grid event id / Twilio idempotency token), and WhatsApp and Twilio post their statuses last first (WhatsApp
/// <c>Read</c>, <c>Delivered</c>, <c>Sent</c>; Twilio <c>delivered</c>, <c>sent</c>), so that stale statuses arrive after
/// the final one. Then <see cref="DeliveryInvariants"/> (no status backwards, no double send) and exact counts in
/// <c>GET /api/stats/channels</c>: each message sent once, delivered once, WhatsApp read once.
/// </summary>
/// <remarks>
/// Runs on the <see cref="ProviderFaultFixture"/> DevHost (default <c>Sms__Providers</c> = <c>acs,twilio</c>). Twilio
/// is reached by failover: a per-recipient rule makes ACS refuse those numbers with 503 (certainly not accepted), so
/// the SMS sender moves on to Twilio within the same step.
/// </remarks>
[Collection(ProviderFaultCollection.Name)]
public sealed class ProviderDuplicateReportTests(ProviderFaultFixture fixture) : IDisposable
{
    private const int PerGroup = 5;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(45);

    public void Dispose() => fixture.Sandbox.Rules.Replace([]);

    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private async Task<JsonElement> StatsAsync(DateTimeOffset from, DateTimeOffset to)
    {
        using var response = await fixture.Http.GetAsync(Api(
            $"stats/channels?from={Uri.EscapeDataString(Iso(from))}&to={Uri.EscapeDataString(Iso(to))}&granularity=hour"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/stats/channels: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static int Count(JsonElement stats, string channel, string metric, string? provider = null)
    {
        var found = stats.GetProperty("channels").EnumerateArray().Where(c => c.GetProperty("channel").GetString() == channel).ToList();
        if (found.Count == 0)
        {
            return 0;
        }
        var totals = provider is null
            ? found[0].GetProperty("totals")
            : found[0].GetProperty("providers").EnumerateArray().Where(p => p.GetProperty("provider").GetString() == provider)
                .Select(p => p.GetProperty("totals")).FirstOrDefault();
        return totals.ValueKind == JsonValueKind.Object && totals.TryGetProperty(metric, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : 0;
    }

    [Fact]
    public async Task DuplicateAndReversedReports_MoveNothingBackwards_SendOnce_AndCountEachMessageOnce()
    {
        // Earlier tests' late reports must not land in this test's period.
        await fixture.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(15));
        var from = DateTimeOffset.UtcNow;

        var acsSms = Enumerable.Range(0, PerGroup).Select(_ => ProviderFaultFixture.NewMobile()).ToList();
        var twilioSms = Enumerable.Range(0, PerGroup).Select(_ => ProviderFaultFixture.NewMobile()).ToList();
        var emails = Enumerable.Range(0, PerGroup).Select(i => $"dup{i}-{Guid.NewGuid():N}@example.org").ToList();
        var whatsApp = Enumerable.Range(0, PerGroup).Select(_ => ProviderFaultFixture.NewMobile()).ToList();
        var rules = new List<SandboxRule>();
        rules.AddRange(twilioSms.Select(to => new SandboxRule { Provider = "acs", Channel = "sms", To = to, Response = SandboxResponse.Transient }));
        rules.Add(new SandboxRule { Provider = "twilio", Channel = "sms", DuplicateReports = true, ReportOrder = SandboxReportOrder.Reversed, ReportDelayMs = 200 });
        rules.Add(new SandboxRule { Provider = "acs", Channel = "sms", DuplicateReports = true, ReportDelayMs = 200 });
        rules.Add(new SandboxRule { Provider = "acs", Channel = "email", DuplicateReports = true, ReportDelayMs = 200 });
        rules.Add(new SandboxRule
        {
            Provider = "acs", Channel = "whatsapp", Report = SandboxReport.Read, DuplicateReports = true, ReportOrder = SandboxReportOrder.Reversed,
            ReportDelayMs = 200,
        });
        fixture.Sandbox.Rules.Replace(rules);

        var plans = acsSms.Concat(twilioSms).Select(to => ("sms", to))
            .Concat(emails.Select(to => ("email", to)))
            .Concat(whatsApp.Select(to => ("whatsapp", to)))
            .ToList();
        var ids = new List<string>();
        var recipients = new Dictionary<string, string>(StringComparer.Ordinal);
        var channelOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (channel, to) in plans)
        {
            var id = await fixture.SendAsync(new Dictionary<string, string> { [channel] = to }, $"Duplicate reports: {channel}");
            ids.Add(id);
            recipients[to] = id;
            recipients[to.TrimStart('+')] = id;
            channelOf[id] = channel;
        }

        var report = await DeliveryInvariants.AssertAsync(fixture.Server, fixture.Http, ids, RunTimeout, recipients);

        // Every message ended delivered (WhatsApp: read), none moved back by a stale or repeated report.
        foreach (var id in ids)
        {
            var outcome = report.Outcomes[id];
            Assert.True(outcome.Status == (channelOf[id] == "whatsapp" ? "read" : "delivered"),
                $"{id} ({channelOf[id]}): status {outcome.Status}, expected {(channelOf[id] == "whatsapp" ? "read" : "delivered")}");
        }

        // The faults really happened: one accepted send per message, on the planned provider, each with its reports posted.
        var calls = fixture.Sandbox.Calls.List().Where(c => c.Recipient is { } r && recipients.ContainsKey(r)).ToList();
        var accepted = calls.Where(c => c.Accepted).ToList();
        Assert.Equal(ids.Count, accepted.Count);
        Assert.Equal(PerGroup, accepted.Count(c => c.Provider == "twilio"));
        Assert.Equal(PerGroup, calls.Count(c => c.Provider == "acs" && c.Channel == "sms" && c.Fault == "transient"));
        Assert.All(accepted, c => Assert.True(c.ReportPosted && c.Rule is not null, $"call {c.Id} {c.Provider}/{c.Channel}: report posted {c.ReportPosted}, rule {c.Rule}, note {c.ReportNote}"));

        // Exact counts: each message once as sent and delivered, each WhatsApp message once as read, nothing failed.
        var expected = new Dictionary<(string Channel, string? Provider, string Metric), int>
        {
            [("sms", null, "attempted")] = 2 * PerGroup, [("sms", null, "sent")] = 2 * PerGroup, [("sms", null, "delivered")] = 2 * PerGroup,
            [("sms", "acs", "sent")] = PerGroup, [("sms", "acs", "delivered")] = PerGroup,
            [("sms", "twilio", "sent")] = PerGroup, [("sms", "twilio", "delivered")] = PerGroup,
            [("email", null, "attempted")] = PerGroup, [("email", null, "sent")] = PerGroup, [("email", null, "delivered")] = PerGroup,
            [("whatsapp", null, "attempted")] = PerGroup, [("whatsapp", null, "sent")] = PerGroup, [("whatsapp", null, "delivered")] = PerGroup,
            [("whatsapp", null, "read")] = PerGroup,
        };
        foreach (var channel in new[] { "sms", "email", "whatsapp" })
        {
            foreach (var metric in new[] { "failed", "fallbacks", "undeliverable", "expired" })
            {
                expected[(channel, null, metric)] = 0;
            }
        }
        expected[("sms", null, "read")] = 0;
        expected[("email", null, "read")] = 0;

        var until = from.AddHours(1);
        // Wait (bounded) until the counts reach the expected values; a shortfall is reported below with every wrong count.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var current = await StatsAsync(from, until);
            if (expected.All(e => Count(current, e.Key.Channel, e.Key.Metric, e.Key.Provider) >= e.Value))
            {
                break;
            }
            await Task.Delay(250);
        }
        // Give any late duplicate a chance to be (wrongly) counted before reading the final numbers.
        await fixture.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stats = await StatsAsync(from, until);
        var wrong = expected.Where(e => Count(stats, e.Key.Channel, e.Key.Metric, e.Key.Provider) != e.Value)
            .Select(e => $"{e.Key.Channel}{(e.Key.Provider is null ? "" : "/" + e.Key.Provider)}.{e.Key.Metric}: expected {e.Value}, got {Count(stats, e.Key.Channel, e.Key.Metric, e.Key.Provider)}")
            .ToList();
        Assert.True(wrong.Count == 0, "stats counts are not exact:\n  " + string.Join("\n  ", wrong));
    }
}
