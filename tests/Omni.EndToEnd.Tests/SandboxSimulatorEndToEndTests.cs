using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// The DevHost's customer simulator and events on demand, through the real handler: a STOP "texted" through
/// /_devhost/sandbox/inbound opts the contact out, a report asked for through /_devhost/sandbox/messages/{id}/events moves
/// the message on, and bad requests are 400/404 problems that say what is wrong.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class SandboxSimulatorEndToEndTests(DevHostFixture fixture) : IDisposable
{
    private ProviderSandbox Sandbox => fixture.Server.Sandbox;

    public void Dispose() => Sandbox.Rules.Replace([]);

    private Uri At(string relative) => new(fixture.Server.BaseAddress, relative);

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> PostAsync(string relative, string json)
    {
        using var response = await fixture.Http.PostAsync(At(relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonElement> GetAsync(string relative) =>
        JsonDocument.Parse(await fixture.Http.GetStringAsync(At(relative))).RootElement.Clone();

    private async Task<(string Id, string Phone)> NewContactAsync(string addresses)
    {
        var id = "sim-" + Guid.NewGuid().ToString("N")[..10];
        var phone = "+4474002" + Random.Shared.Next(0, 100_000).ToString("D5");
        using var created = await fixture.Http.PutAsync(At($"api/contacts/{id}"), new StringContent(
            "{ \"timeZone\": \"Etc/UTC\", \"addresses\": " + addresses.Replace("{phone}", phone, StringComparison.Ordinal) + " }", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (id, phone);
    }

    [Fact]
    public async Task Inbound_SmsStop_OptsTheContactOutThroughTheAcsEventsQueue()
    {
        var (id, phone) = await NewContactAsync("""{ "sms": { "value": "{phone}" } }""");

        var (status, body, _) = await PostAsync("_devhost/sandbox/inbound", $$"""{ "channel": "sms", "from": "{{phone[..6]}} {{phone[6..]}}", "text": "STOP" }""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(("queue", "Microsoft.Communication.SMSReceived", phone, SandboxEnvironment.AcsSmsFrom),
            (body.GetProperty("path").GetString(), body.GetProperty("eventType").GetString(), body.GetProperty("from").GetString(), body.GetProperty("to").GetString()));
        await DevHostFixture.EventuallyAsync(() => GetAsync($"api/contacts/{id}/consent"),
            c => c.GetProperty("current").EnumerateArray().Any(s => s.GetProperty("channel").GetString() == "sms" && s.GetProperty("state").GetString() == "opted-out"),
            "the SMS opt-out");
    }

    [Fact]
    public async Task Events_DeliveredOnDemand_MarksTheMessageDelivered()
    {
        var (id, phone) = await NewContactAsync("""{ "sms": { "value": "{phone}" } }""");
        Sandbox.Rules.Replace([new SandboxRule { To = phone, Report = SandboxReport.None }]); // no report of its own
        var (_, sent, _) = await PostAsync("api/messages", $$"""
            { "contactId": "{{id}}", "category": "transactional", "urgency": "high", "strategy": "first", "content": { "text": "Your table is ready" } }
            """);
        var messageId = sent.GetProperty("id").GetString()!;
        await DevHostFixture.EventuallyAsync(() => GetAsync($"api/messages/{messageId}"), m => m.GetProperty("status").GetString() == "sent", "the SMS send");

        var (status, body, _) = await PostAsync($"_devhost/sandbox/messages/{messageId}/events", """{ "type": "delivered" }""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(("sms", "Microsoft.Communication.SMSDeliveryReportReceived"), (body.GetProperty("channel").GetString(), body.GetProperty("eventType").GetString()));
        await DevHostFixture.EventuallyAsync(() => GetAsync($"api/messages/{messageId}"), m => m.GetProperty("status").GetString() == "delivered", "the on-demand delivery report");
    }

    [Fact]
    public async Task Events_OpenedForAnSms_Is400SayingWhichTypesFit()
    {
        var (id, _) = await NewContactAsync("""{ "sms": { "value": "{phone}" } }""");
        var (_, sent, _) = await PostAsync("api/messages", $$"""
            { "contactId": "{{id}}", "category": "transactional", "urgency": "high", "strategy": "first", "content": { "text": "See you at 8" } }
            """);
        var messageId = sent.GetProperty("id").GetString()!;
        await DevHostFixture.EventuallyAsync(() => GetAsync($"api/messages/{messageId}"), m => m.GetProperty("status").GetString() == "delivered", "the SMS delivery");

        var (status, body, contentType) = await PostAsync($"_devhost/sandbox/messages/{messageId}/events", """{ "type": "opened" }""");

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, contentType));
        Assert.Contains("use delivered, failed", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_UnknownMessage_Is404()
    {
        var (status, body, _) = await PostAsync("_devhost/sandbox/messages/msg_00000000000000000000000000/events", """{ "type": "delivered" }""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no message", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
