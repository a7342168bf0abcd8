using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Inbound on the DevHost: provider events posted to the real webhook path as Event Grid would post them (with the
/// subscription secret), through the inbound queue and ProcessInbound, into consent, the outbound path and the timeline.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class InboundEndToEndTests(DevHostFixture fixture) : IDisposable
{
    private ProviderSandbox Sandbox => fixture.Server.Sandbox;

    public void Dispose() => Sandbox.Rules.Replace([]);

    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> GetJsonAsync(string relative)
    {
        using var response = await fixture.Http.GetAsync(Api(relative));
        Assert.True(response.IsSuccessStatusCode, $"GET {relative}: {(int)response.StatusCode}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task PostAcsEventsAsync(string events)
    {
        using var response = await fixture.PostAcsEventsAsync(events);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string SmsReceived(string eventId, string from, string text) => $$"""
        [{
          "id": "{{eventId}}",
          "topic": "/subscriptions/0000/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs",
          "subject": "/phonenumber/{{from.TrimStart('+')}}",
          "data": { "MessageId": "{{eventId}}", "From": "{{from.TrimStart('+')}}", "To": "{{SandboxEnvironment.AcsSmsFrom.TrimStart('+')}}",
                    "Message": "{{text}}", "ReceivedTimestamp": "{{DateTimeOffset.UtcNow:O}}", "SegmentCount": 1 },
          "eventType": "Microsoft.Communication.SMSReceived",
          "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "{{DateTimeOffset.UtcNow:O}}"
        }]
        """;

    private static string SmsDelivered(string eventId, string messageId, string to) => $$"""
        [{
          "id": "{{eventId}}",
          "topic": "/subscriptions/0000/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs",
          "subject": "/phonenumber/{{to.TrimStart('+')}}",
          "data": { "messageId": "{{messageId}}", "from": "{{SandboxEnvironment.AcsSmsFrom}}", "to": "{{to}}",
                    "deliveryStatus": "Delivered", "deliveryStatusDetails": "No error.",
                    "receivedTimestamp": "{{DateTimeOffset.UtcNow:O}}", "tag": "e2e" },
          "eventType": "Microsoft.Communication.SMSDeliveryReportReceived",
          "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "{{DateTimeOffset.UtcNow:O}}"
        }]
        """;

    [Fact]
    public async Task SmsStop_OptsTheContactOut_TheNextMarketingMessageGoesByEmail_AndTheTimelineShowsItInOrder()
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var phone = "+4474001" + Random.Shared.Next(0, 100_000).ToString("D5");
        var email = $"{id}@example.org";
        using (var created = await fixture.Http.PutAsync(Api($"contacts/{id}"), Json($$"""
            { "timeZone": "Etc/UTC", "preferredChannels": ["sms", "email"],
              "addresses": { "sms": { "value": "{{phone}}" }, "email": { "value": "{{email}}" } } }
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        foreach (var channel in new[] { "sms", "email" })
        {
            using var consent = await fixture.Http.PostAsync(Api($"contacts/{id}/consent"), Json($$"""
                { "channel": "{{channel}}", "category": "marketing", "state": "opted-in", "source": "form", "byContact": true, "evidence": "signup form", "actor": "web" }
                """));
            Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
        }

        // The contact texts STOP; ACS delivers it through Event Grid.
        await PostAcsEventsAsync(SmsReceived("Incoming_" + Guid.NewGuid().ToString("N"), phone, "STOP"));

        var consentState = await DevHostFixture.EventuallyAsync<JsonElement?>(async () => await GetJsonAsync($"contacts/{id}/consent"),
            c => c!.Value.GetProperty("current").EnumerateArray().Any(s => s.GetProperty("channel").GetString() == "sms"
                && s.GetProperty("category").GetString() == "marketing" && s.GetProperty("state").GetString() == "opted-out"),
            "the SMS opt-out");
        var confirmation = await DevHostFixture.EventuallyAsync(() => Sandbox.Calls.List(phone).SingleOrDefault(), c => c.ReportPosted, "the STOP confirmation SMS");
        Assert.NotNull(confirmation.Text);
        Assert.Equal("acs", confirmation.Provider);

        // A marketing message now: SMS is refused by the opt-out, email carries it.
        using var send = await fixture.Http.PostAsync(Api("messages"), Json($$"""
            { "contactId": "{{id}}", "category": "marketing", "urgency": "high", "strategy": "first",
              "content": { "text": "Our winter sale starts today", "subject": "Winter sale" } }
            """));
        Assert.Equal(HttpStatusCode.Accepted, send.StatusCode);
        var messageId = JsonDocument.Parse(await send.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var delivered = await DevHostFixture.EventuallyAsync<JsonElement?>(async () => await GetJsonAsync($"messages/{messageId}"),
            m => m!.Value.GetProperty("status").GetString() == "delivered", "the marketing email's delivery");
        // High urgency prefers the instant channel, so without the opt-out this would have gone by SMS.
        Assert.Equal(["email"], delivered!.Value.GetProperty("plan").EnumerateArray().Select(p => p.GetProperty("channel").GetString()));
        Assert.Equal(["email"], delivered.Value.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("channel").GetString()));
        Assert.Single(Sandbox.Calls.List(phone)); // still only the confirmation
        Assert.Single(Sandbox.Calls.List(email));

        // The timeline, newest first: the marketing email, the confirmation, the STOP.
        var timeline = await DevHostFixture.EventuallyAsync<JsonElement?>(async () => await GetJsonAsync($"contacts/{id}/timeline"),
            t => t!.Value.GetProperty("items").GetArrayLength() >= 3, "the timeline");
        var items = timeline!.Value.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.Equal(("outbound", messageId, "marketing"), (items[0].GetProperty("kind").GetString(), items[0].GetProperty("messageId").GetString(), items[0].GetProperty("category").GetString()));
        Assert.Equal(("outbound", "compliance"), (items[1].GetProperty("kind").GetString(), items[1].GetProperty("category").GetString()));
        Assert.Equal(("inbound", "sms", "STOP"), (items[2].GetProperty("kind").GetString(), items[2].GetProperty("channel").GetString(), items[2].GetProperty("text").GetString()));
        Assert.NotNull(consentState);
    }

    [Fact]
    public async Task DeliveryReport_MarksTheAttemptDelivered_AndTheSameReportTwiceChangesNothing()
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var phone = "+4474001" + Random.Shared.Next(0, 100_000).ToString("D5");
        using (var created = await fixture.Http.PutAsync(Api($"contacts/{id}"), Json($$"""{ "addresses": { "sms": { "value": "{{phone}}" } } }""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        Sandbox.Rules.Replace([new SandboxRule { To = phone, Report = SandboxReport.None }]); // the test posts the report itself
        using var send = await fixture.Http.PostAsync(Api("messages"), Json($$"""
            { "contactId": "{{id}}", "category": "transactional", "urgency": "high", "strategy": "first", "content": { "text": "Your parcel is on its way" } }
            """));
        var messageId = JsonDocument.Parse(await send.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var sent = await DevHostFixture.EventuallyAsync<JsonElement?>(async () => await GetJsonAsync($"messages/{messageId}"),
            m => m!.Value.GetProperty("status").GetString() == "sent", "the SMS to be accepted");
        var providerMessageId = sent!.Value.GetProperty("attempts")[0].GetProperty("providerMessageId").GetString()!;

        var report = SmsDelivered("Outgoing_" + Guid.NewGuid().ToString("N"), providerMessageId, phone);
        await PostAcsEventsAsync(report);
        await PostAcsEventsAsync(report);

        var delivered = await DevHostFixture.EventuallyAsync<JsonElement?>(async () => await GetJsonAsync($"messages/{messageId}"),
            m => m!.Value.GetProperty("status").GetString() == "delivered", "the delivery report");
        await Task.Delay(TimeSpan.FromSeconds(1)); // room for a second report to (wrongly) land
        var after = await GetJsonAsync($"messages/{messageId}");
        var history = after.GetProperty("attempts")[0].GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()).ToList();
        Assert.Equal(["pending", "queued", "delivered"], history);
        Assert.Equal(delivered!.Value.GetProperty("updatedAt").GetString(), after.GetProperty("updatedAt").GetString());
    }
}
