using Azure;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Messages;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.Communication;

public sealed class NotificationMessagesClientTests
{
    private const string Endpoint = "https://my-resource.communication.azure.com";
    private const string ConnectionString = "endpoint=" + Endpoint + ";accesskey=c2VjcmV0LWFjY2Vzcy1rZXk=";
    private static readonly Guid ChannelId = Guid.Parse("0f0eb78e-a576-1dfc-b414-0f0756de3338");

    // Response body shared by the official examples NotificationMessages_SendText.json and _SendTemplate.json.
    private const string OfficialReceipts = """{"receipts":[{"messageId":"320fc2a1-4c4b-4387-9c1a-bd38b57795de","to":"14250000000"}]}""";

    private static readonly RepeatableRequest Repeatability =
        new(Guid.Parse("6c3a2f0e-2b1d-4c55-9a6e-1f2e3d4c5b6a"), new DateTimeOffset(2025, 3, 4, 5, 0, 0, TimeSpan.Zero));

    private readonly FakeHttpHandler _http = new();
    private readonly FakeClock _clock = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly RecordedDelays _delays;

    public NotificationMessagesClientTests()
    {
        _delays = new RecordedDelays(_clock);
    }

    [Fact]
    public async Task SendAsync_Text_SendsOfficialExampleBodyAndParsesReceipts()
    {
        _http.Reply(202, OfficialReceipts, ("Repeatability-Result", "accepted"));
        var content = new TextNotificationContent(ChannelId, new[] { "14250000000" }, "Text message through CPM");

        Response<SendMessageResult> response = await CreateClient().SendAsync(content, Repeatability);

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(Endpoint + "/messages/notifications:send?api-version=2024-08-30", request.Uri.AbsoluteUri);
        Assert.Equal("6c3a2f0e-2b1d-4c55-9a6e-1f2e3d4c5b6a", request.Header("Repeatability-Request-ID"));
        Assert.Equal("Tue, 04 Mar 2025 05:00:00 GMT", request.Header("Repeatability-First-Sent"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", request.Header("Authorization"));
        FakePipeline.JsonEqual(
            """{"channelRegistrationId":"0f0eb78e-a576-1dfc-b414-0f0756de3338","to":["14250000000"],"kind":"text","content":"Text message through CPM"}""",
            request.BodyText);

        MessageReceipt receipt = Assert.Single(response.Value.Receipts);
        Assert.Equal("320fc2a1-4c4b-4387-9c1a-bd38b57795de", receipt.MessageId);
        Assert.Equal("14250000000", receipt.To);
    }

    [Fact]
    public async Task SendAsync_Template_SendsOfficialExampleBody()
    {
        _http.Reply(202, OfficialReceipts);
        var template = new MessageTemplate("example", "en")
        {
            Values = { new MessageTemplateText("userName", "John Doe"), new MessageTemplateText("orderNumber", "12345") },
        };
        var bindings = new WhatsAppMessageTemplateBindings();
        bindings.Body.Add(new WhatsAppMessageTemplateBindingsComponent("userName"));
        bindings.Body.Add(new WhatsAppMessageTemplateBindingsComponent("orderNumber"));
        template.Bindings = bindings;

        await CreateClient().SendAsync(new TemplateNotificationContent(ChannelId, new[] { "14250000000" }, template), Repeatability);

        FakePipeline.JsonEqual(
            """
            {"channelRegistrationId":"0f0eb78e-a576-1dfc-b414-0f0756de3338","to":["14250000000"],"kind":"template",
             "template":{"name":"example","language":"en",
               "values":[{"name":"userName","kind":"text","text":"John Doe"},{"name":"orderNumber","kind":"text","text":"12345"}],
               "bindings":{"body":[{"refValue":"userName"},{"refValue":"orderNumber"}],"kind":"whatsApp"}}}
            """,
            Assert.Single(_http.Requests).BodyText);
    }

    [Fact]
    public async Task SendAsync_TemplateWithEveryValueKind_WritesSpecShapes()
    {
        _http.Reply(202, OfficialReceipts);
        var template = new MessageTemplate("shipping_update", "en_US")
        {
            Values =
            {
                new MessageTemplateImage("banner", new Uri("https://cdn.example/banner.png")) { Caption = "New!" },
                new MessageTemplateDocument("invoice", new Uri("https://cdn.example/i.pdf")) { FileName = "invoice.pdf" },
                new MessageTemplateVideo("clip", new Uri("https://cdn.example/c.mp4")),
                new MessageTemplateLocation("store", 47.6, -122.3) { LocationName = "Store", Address = "1 Main St" },
                new MessageTemplateQuickAction("yes") { Text = "Yes", Payload = "confirm" },
            },
        };
        var bindings = new WhatsAppMessageTemplateBindings();
        bindings.Header.Add(new WhatsAppMessageTemplateBindingsComponent("banner"));
        bindings.Footer.Add(new WhatsAppMessageTemplateBindingsComponent("store"));
        bindings.Buttons.Add(new WhatsAppMessageTemplateBindingsButton(WhatsAppMessageButtonSubType.QuickReply, "yes"));
        template.Bindings = bindings;

        await CreateClient().SendAsync(new TemplateNotificationContent(ChannelId, new[] { "14250000000", "14250000001" }, template), Repeatability);

        Assert.Equal(
            "{\"channelRegistrationId\":\"0f0eb78e-a576-1dfc-b414-0f0756de3338\",\"to\":[\"14250000000\",\"14250000001\"],\"kind\":\"template\"," +
            "\"template\":{\"name\":\"shipping_update\",\"language\":\"en_US\",\"values\":[" +
            "{\"name\":\"banner\",\"kind\":\"image\",\"url\":\"https://cdn.example/banner.png\",\"caption\":\"New!\"}," +
            "{\"name\":\"invoice\",\"kind\":\"document\",\"url\":\"https://cdn.example/i.pdf\",\"fileName\":\"invoice.pdf\"}," +
            "{\"name\":\"clip\",\"kind\":\"video\",\"url\":\"https://cdn.example/c.mp4\"}," +
            "{\"name\":\"store\",\"kind\":\"location\",\"locationName\":\"Store\",\"address\":\"1 Main St\",\"latitude\":47.6,\"longitude\":-122.3}," +
            "{\"name\":\"yes\",\"kind\":\"quickAction\",\"text\":\"Yes\",\"payload\":\"confirm\"}]," +
            "\"bindings\":{\"kind\":\"whatsApp\",\"header\":[{\"refValue\":\"banner\"}],\"footer\":[{\"refValue\":\"store\"}]," +
            "\"buttons\":[{\"subType\":\"quickReply\",\"refValue\":\"yes\"}]}}}",
            Assert.Single(_http.Requests).BodyText);
    }

    [Fact]
    public async Task SendAsync_WithoutRepeatability_SendsFreshIdAndKeepsItAcrossRetries()
    {
        _http.Reply(500).Reply(202, OfficialReceipts);

        await CreateClient().SendAsync(new TextNotificationContent(ChannelId, new[] { "14250000000" }, "hi"));

        Assert.Equal(2, _http.Requests.Count);
        string? id = _http.Requests[0].Header("Repeatability-Request-ID");
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal(id, _http.Requests[1].Header("Repeatability-Request-ID"));
        Assert.Equal("Tue, 04 Mar 2025 05:06:07 GMT", _http.Requests[0].Header("Repeatability-First-Sent"));
        Assert.Equal(_http.Requests[0].Header("Repeatability-First-Sent"), _http.Requests[1].Header("Repeatability-First-Sent"));
    }

    [Fact]
    public async Task SendAsync_ServiceError_ThrowsWithErrorCode()
    {
        _http.Reply(400, """{"error":{"code":"BadRequest","message":"Channel registration not found."}}""", ("x-ms-error-code", "BadRequest"));

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateClient().SendAsync(new TextNotificationContent(ChannelId, new[] { "14250000000" }, "hi")));

        Assert.Equal(400, error.Status);
        Assert.Equal("BadRequest", error.ErrorCode);
        Assert.Single(_http.Requests);
    }

    [Fact]
    public async Task SendAsync_Throttled_WaitsRetryAfterThenSucceeds()
    {
        _http.Reply(429, null, ("Retry-After", "3")).Reply(202, OfficialReceipts);

        Response<SendMessageResult> response = await CreateClient().SendAsync(new TextNotificationContent(ChannelId, new[] { "14250000000" }, "hi"));

        Assert.Single(response.Value.Receipts);
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(_delays.Delays));
    }

    [Fact]
    public async Task SendAsync_NewerVersion_UsesItsApiVersion()
    {
        _http.Reply(202, OfficialReceipts);
        var options = new CommunicationMessagesClientOptions(CommunicationMessagesClientOptions.ServiceVersion.V2024_11_15) { TimeProvider = _clock }
            .Use(_http, _delays, _clock);

        await new NotificationMessagesClient(ConnectionString, options)
            .SendAsync(new TextNotificationContent(ChannelId, new[] { "14250000000" }, "hi"));

        Assert.Equal(Endpoint + "/messages/notifications:send?api-version=2024-11-15", Assert.Single(_http.Requests).Uri.AbsoluteUri);
    }

    [Fact]
    public void TextNotificationContent_NoRecipients_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TextNotificationContent(ChannelId, Array.Empty<string>(), "hi"));
    }

    private NotificationMessagesClient CreateClient()
    {
        var options = new CommunicationMessagesClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        return new NotificationMessagesClient(ConnectionString, options);
    }
}
