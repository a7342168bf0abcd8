using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// The outbound pipeline on the DevHost: the real handler, the emulated queues, Azurite, and the sandbox providers, which
/// check ACS HMAC / Twilio Basic auth and send delivery reports back the way the providers do: ACS events on the
/// acs-events queue (as Event Grid delivers them in Azure), Twilio status callbacks to the signed webhook.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class MessagingEndToEndTests(DevHostFixture fixture) : IDisposable
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    private ProviderSandbox Sandbox => fixture.Server.Sandbox;

    public void Dispose() => Sandbox.Rules.Replace([]);

    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NewMobile() => "+4474001" + Random.Shared.Next(0, 100_000).ToString("D5");

    private async Task<(string Id, string Phone, string Email)> CreateContactAsync(string extra = "")
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var phone = NewMobile();
        var email = $"{id}@example.org";
        using var response = await fixture.Http.PutAsync(Api($"contacts/{id}"), Json($$"""
            { "timeZone": "Etc/UTC", "addresses": { "sms": { "value": "{{phone}}" }, "email": { "value": "{{email}}" } } {{extra}} }
            """));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (id, phone, email);
    }

    private async Task<string> SendAsync(string contactId, string urgency = "high", string strategy = "first", string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Api("messages"))
        {
            Content = Json($$"""
                { "contactId": "{{contactId}}", "category": "transactional", "urgency": "{{urgency}}", "strategy": "{{strategy}}",
                  "content": { "text": "Your code is 482913", "subject": "Your code" } }
                """),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        using var response = await fixture.Http.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"POST /api/messages: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private Task<JsonElement> MessageWhenAsync(string id, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        DevHostFixture.EventuallyAsync<JsonElement?>(async () =>
        {
            using var response = await fixture.Http.GetAsync(Api($"messages/{id}"));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
        }, m => condition(m!.Value), what, timeout ?? Slow).ContinueWith(t => t.Result!.Value, TaskScheduler.Default);

    private static string Status(JsonElement message) => message.GetProperty("status").GetString()!;

    private static List<(string Channel, string Status)> Attempts(JsonElement message) =>
        [.. message.GetProperty("attempts").EnumerateArray().Select(a => (a.GetProperty("channel").GetString()!, a.GetProperty("status").GetString()!))];

    [Fact]
    public async Task Message_ReachesSms_AndTheSandboxReportMarksItDelivered()
    {
        var (contact, phone, email) = await CreateContactAsync();

        var id = await SendAsync(contact);
        var delivered = await MessageWhenAsync(id, m => Status(m) == "delivered", "the SMS delivery report");

        Assert.Equal([("sms", "delivered")], Attempts(delivered));
        var attempt = delivered.GetProperty("attempts")[0];
        Assert.Equal("acs", attempt.GetProperty("provider").GetString());
        Assert.Equal(1, attempt.GetProperty("segments").GetInt32());
        Assert.Contains(attempt.GetProperty("history").EnumerateArray(), h => h.GetProperty("source").GetString() == "report");
        var call = Assert.Single(Sandbox.Calls.List(phone));
        Assert.True(call.AuthOk);
        Assert.Equal("Your code is 482913", call.Text);
        Assert.Equal(attempt.GetProperty("providerMessageId").GetString(), call.ProviderMessageId);
        Assert.Empty(Sandbox.Calls.List(email));
        // The report came as Event Grid delivers it in Azure: one event on acs-events, which AcsEventQueue completed.
        await DevHostFixture.EventuallyAsync(async () =>
        {
            using var queue = JsonDocument.Parse(await fixture.Http.GetStringAsync(new Uri(fixture.Server.BaseAddress, "_devhost/queues/acs-events?bodies=true")));
            return queue.RootElement.GetProperty("recentlyCompleted").EnumerateArray()
                .Select(m => JsonDocument.Parse(m.GetProperty("body").GetString()!).RootElement.Clone())
                .Where(e => e.GetProperty("data").GetProperty("messageId").GetString() == call.ProviderMessageId)
                .Select(e => e.GetProperty("eventType").GetString())
                .ToList();
        }, types => types.Contains("Microsoft.Communication.SMSDeliveryReportReceived"), "the report's completed delivery on acs-events");
    }

    [Fact]
    public async Task ForcedAcsFailure_FallsBackToEmail()
    {
        var (contact, phone, email) = await CreateContactAsync();
        Sandbox.Rules.Replace([new SandboxRule { To = phone, Response = SandboxResponse.Permanent }]);

        var id = await SendAsync(contact);
        var done = await MessageWhenAsync(id, m => Status(m) == "delivered", "the fallback email's delivery");

        Assert.Equal([("sms", "failed"), ("email", "delivered")], Attempts(done));
        Assert.Contains("Falling back from sms to email (step 1).", done.GetProperty("trace").EnumerateArray().Select(l => l.GetString()));
        // One provider call per attempt: ACS refused the number (no Twilio retry for a recipient error), one email.
        var sms = Assert.Single(Sandbox.Calls.List(phone));
        Assert.Equal("acs", sms.Provider);
        var mail = Assert.Single(Sandbox.Calls.List(email));
        Assert.Equal("Your code", mail.Subject);
    }

    [Fact]
    public async Task UndeliveredUrgentSms_EscalatesToEmail_AtTheDeadline()
    {
        var (contact, phone, email) = await CreateContactAsync();
        Sandbox.Rules.Replace([new SandboxRule { To = phone, Report = SandboxReport.None }]);

        var id = await SendAsync(contact, urgency: "critical", strategy: "escalate");
        var sent = await MessageWhenAsync(id, m => Status(m) == "sent", "the SMS to be accepted");
        var smsAcceptedAt = DateTimeOffset.UtcNow;
        Assert.Empty(Sandbox.Calls.List(email));

        var escalated = await MessageWhenAsync(id, m => Attempts(m).Count == 2 && Status(m) == "delivered", "the escalation to email");

        Assert.True(DateTimeOffset.UtcNow - smsAcceptedAt >= DevHostFixture.EscalateAfterCritical - TimeSpan.FromSeconds(1), "escalated before the deadline");
        Assert.Equal([("sms", "queued"), ("email", "delivered")], Attempts(escalated));
        Assert.True(escalated.GetProperty("attempts")[0].GetProperty("escalated").GetBoolean());
        Assert.Single(Sandbox.Calls.List(phone));
        Assert.Single(Sandbox.Calls.List(email));
        Assert.Contains(escalated.GetProperty("trace").EnumerateArray(), l => l.GetString()!.Contains("escalating to email", StringComparison.Ordinal));
        Assert.NotNull(sent.GetProperty("attempts")[0].GetProperty("escalateAt").GetString());
    }

    [Fact]
    public async Task MessageInQuietHours_IsDeferred_ThenSent()
    {
        // Quiet hours (UTC contact) from two hours ago until the next whole minute at least 10 s away.
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        if (end - now < TimeSpan.FromSeconds(10))
        {
            end = end.AddMinutes(1);
        }
        var start = end.AddHours(-3);
        var (contact, phone, email) = await CreateContactAsync($$""", "quietHours": { "start": "{{start:HH:mm}}", "end": "{{end:HH:mm}}" }""");

        var id = await SendAsync(contact, urgency: "normal");
        var deferred = await MessageWhenAsync(id, m => Status(m) == "deferred", "the deferral");
        Assert.Equal(new DateTimeOffset(end), deferred.GetProperty("deferUntil").GetDateTimeOffset());
        Assert.Empty(Sandbox.Calls.List(phone).Concat(Sandbox.Calls.List(email)));

        var delivered = await MessageWhenAsync(id, m => Status(m) == "delivered", "the deferred send", TimeSpan.FromSeconds(120));

        Assert.True(DateTimeOffset.UtcNow >= new DateTimeOffset(end), "sent before quiet hours ended");
        Assert.Single(Attempts(delivered));
        Assert.Single(Sandbox.Calls.List(phone).Concat(Sandbox.Calls.List(email)));
    }

    [Fact]
    public async Task DuplicatePost_WithTheSameIdempotencyKey_CreatesOneMessage_AndOneProviderCall()
    {
        var (contact, phone, _) = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(contact, key: key);
        var second = await SendAsync(contact, key: key);
        Assert.Equal(first, second);
        await MessageWhenAsync(first, m => Status(m) == "delivered", "the delivery");
        await Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(10));

        Assert.Single(Sandbox.Calls.List(phone));
    }
}
