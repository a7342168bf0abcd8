using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>
/// POST /_devhost/sandbox/inbound on its own (ACS events to the fixture's webhook receiver): the provider's real inbound
/// events, a signed chat post, and 400 problems that say what is wrong; plus the events-on-demand request checks.
/// </summary>
public sealed class CustomerSimulatorTests : IAsyncLifetime
{
    private readonly SandboxFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();

    public Task DisposeAsync() => _f.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> PostAsync(string relative, string json)
    {
        using var response = await _f.Http.PostAsync(new Uri(_f.SandboxBase, relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Inbound_SmsWithSpacedNumber_PostsAnSmsReceivedEventToTheSandboxNumber()
    {
        var (status, body, _) = await PostAsync("_devhost/sandbox/inbound", """{ "channel": "SMS", "from": "+44 7400-123456", "text": "STOP" }""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(("webhook", "+447400123456"), (body.GetProperty("path").GetString(), body.GetProperty("from").GetString()));
        var post = Assert.Single(await _f.WaitForReceivedAsync(1));
        Assert.Equal("/api/webhooks/acs", post.PathAndQuery);
        Assert.Equal(SandboxFixture.EventsSecret, post.Header("X-Omni-Secret"));
        Assert.Equal("Notification", post.Header("aeg-event-type"));
        var @event = JsonNode.Parse(post.Body)!.AsArray().Single()!;
        Assert.Equal("Microsoft.Communication.SMSReceived", @event["eventType"]!.GetValue<string>());
        Assert.Equal(body.GetProperty("eventId").GetString(), @event["id"]!.GetValue<string>());
        var data = @event["data"]!;
        Assert.Equal(("447400123456", SandboxEnvironment.AcsSmsFrom.TrimStart('+'), "STOP"),
            (data["from"]!.GetValue<string>(), data["to"]!.GetValue<string>(), data["message"]!.GetValue<string>()));
        Assert.Equal(@event["id"]!.GetValue<string>(), data["messageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Inbound_WhatsApp_PostsAnAdvancedMessageReceivedEventToTheChannel()
    {
        var (status, _, _) = await PostAsync("_devhost/sandbox/inbound", """{ "channel": "whatsapp", "from": "00447400123456", "text": "START" }""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var @event = JsonNode.Parse(Assert.Single(await _f.WaitForReceivedAsync(1)).Body)!.AsArray().Single()!;
        Assert.Equal("Microsoft.Communication.AdvancedMessageReceived", @event["eventType"]!.GetValue<string>());
        var data = @event["data"]!;
        Assert.Equal(("447400123456", SandboxEnvironment.AcsWhatsAppChannelRegistrationId, "START", "whatsapp"),
            (data["from"]!.GetValue<string>(), data["to"]!.GetValue<string>(), data["content"]!.GetValue<string>(), data["channelType"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Inbound_Chat_PostsASignedMessageToTheChatWebhook()
    {
        var (status, body, _) = await PostAsync("_devhost/sandbox/inbound", """{ "channel": "chat", "from": "user-42", "text": "Where is my order?" }""");

        Assert.Equal((HttpStatusCode.Accepted, "/api/webhooks/chat"), (status, body.GetProperty("target").GetString()));
        var post = Assert.Single(await _f.WaitForReceivedAsync(1));
        Assert.Equal("/api/webhooks/chat", post.PathAndQuery);
        var message = JsonNode.Parse(post.Body)!;
        Assert.Equal(("user-42", "Where is my order?"), (message["userId"]!.GetValue<string>(), message["text"]!.GetValue<string>()));
        var parts = post.Header("X-Omni-Signature").Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var signed = Encoding.ASCII.GetBytes(parts["t"] + ".").Concat(post.Body).ToArray();
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SandboxFixture.ChatSecret), signed)), parts["v1"]);
        Assert.InRange(long.Parse(parts["t"], CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("""{ "channel": "sms", "from": "+447400123456", "text": "STOP", "body": "x" }""", "Unknown field 'body'. Allowed: channel, from, to, text.")]
    [InlineData("""{ "channel": "fax", "from": "+447400123456", "text": "STOP" }""", "'channel' must be one of: sms, whatsapp, chat.")]
    [InlineData("""{ "channel": "sms", "from": "07400 123456", "text": "STOP" }""", "'from' must be a phone number in international form (E.164)")]
    [InlineData("""{ "channel": "sms", "from": "+447400123456" }""", "'text' is required")]
    [InlineData("""{ "channel": "chat", "from": "user-42", "to": "x", "text": "hi" }""", "'to' does not apply to chat")]
    [InlineData("""[1]""", "The body must be a JSON object with channel, from, to, text.")]
    public async Task Inbound_BadRequest_Is400ProblemSayingWhatIsWrong(string json, string detail)
    {
        var (status, body, contentType) = await PostAsync("_devhost/sandbox/inbound", json);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, contentType));
        Assert.StartsWith(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_f.Received);
    }

    [Theory]
    [InlineData("""{ "type": "bounced" }""", "'type' must be one of: delivered, failed, opened, clicked.")]
    [InlineData("""{ "type": "opened", "when": "now" }""", "Unknown field 'when'. Allowed: type, step.")]
    [InlineData("""{ "type": "opened", "step": -1 }""", "'step' must be a whole number")]
    public async Task Events_BadRequest_Is400ProblemSayingWhatIsWrong(string json, string detail)
    {
        var (status, body, _) = await PostAsync("_devhost/sandbox/messages/msg_1/events", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
