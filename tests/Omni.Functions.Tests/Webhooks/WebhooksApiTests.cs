using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Moq;
using Omni.Azure.ServiceBus;

namespace Omni.Functions.Tests.Webhooks;

/// <summary>
/// The provider webhooks through the app: real signatures computed here, Service Bus mocked at the edge. A refused request
/// must enqueue nothing; an accepted one enqueues one batch on "inbound" with MessageId = event id.
/// </summary>
public sealed class WebhooksApiTests : IDisposable
{
    private const string AcsSecret = "acs-secret-0123456789abcdefghijklmnop";
    private const string TwilioToken = "twilio-token-0123456789";
    private const string MetaSecret = "meta-app-secret-0123456789";
    private const string MetaVerifyToken = "meatyhamhock";
    private const string ChatSecret = "chat-secret-0123456789abcdefghijklmnop";
    private const string PublicHost = "omni-func.azurewebsites.net";

    // provider-specs.md §5.3, MicrosoftDocs communication-services-telephony-sms-events.md (verbatim).
    internal const string SmsReceived = """
[{
  "id": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
  "topic": "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/acse2e/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "/phonenumber/15555555555",
  "data": {
    "messageId": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
    "from": "15555555555",
    "to": "15555555555",
    "message": "Great to connect with Azure Communication Services events",
    "receivedTimestamp": "2020-09-18T00:27:45.32Z",
    "segmentCount": 1
  },
  "eventType": "Microsoft.Communication.SMSReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2020-09-18T00:27:47Z"
}]
""";

    // provider-specs.md §5.1 (verbatim).
    internal const string Validation = """
[
  {
    "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
    "topic": "/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "subject": "",
    "data": {
      "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
      "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A"
    },
    "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
    "eventTime": "2018-01-25T22:12:19.4556811Z",
    "metadataVersion": "1",
    "dataVersion": "1"
  }
]
""";

    // provider-specs.md §7.2: the Meta App Dashboard "Test" payload (verbatim).
    private const string MetaText = """{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"123456123"},"contacts":[{"profile":{"name":"test user name"},"wa_id":"16315551181"}],"messages":[{"from":"16315551181","id":"ABGGFlA5Fpa","timestamp":"1504902988","type":"text","text":{"body":"this is a text message"}}]}}]}]}""";

    private readonly FunctionAppFactory _factory = new();
    private readonly List<List<ServiceBusMessage>> _batches = [];

    public WebhooksApiTests()
    {
        _factory.Sender.Setup(s => s.SendMessagesAsync(It.IsAny<IEnumerable<ServiceBusMessage>>(), It.IsAny<CancellationToken>()))
            .Callback<IEnumerable<ServiceBusMessage>, CancellationToken>((m, _) => _batches.Add(m.ToList()))
            .Returns(Task.CompletedTask);
    }

    public void Dispose() => _factory.Dispose();

    /// <summary>A client sending the ACS secret as Event Grid's static delivery property does.</summary>
    private HttpClient AcsClient(string secret = AcsSecret, bool configured = true, Action<IWebHostBuilder>? more = null)
    {
        var http = Client(configured, more);
        http.DefaultRequestHeaders.Add("X-Omni-Secret", secret);
        return http;
    }

    private HttpClient Client(bool configured = true, Action<IWebHostBuilder>? more = null) => _factory.WithWebHostBuilder(b =>
    {
        if (configured)
        {
            b.UseSetting("AcsEvents:Secret", AcsSecret);
            b.UseSetting("Twilio:AuthToken", TwilioToken);
            b.UseSetting("Meta:AppSecret", MetaSecret);
            b.UseSetting("Meta:VerifyToken", MetaVerifyToken);
            b.UseSetting("Chat:Secret", ChatSecret);
            b.UseSetting("WEBSITE_HOSTNAME", PublicHost); // App Service's default host name
        }
        more?.Invoke(b);
    }).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private void AssertNothingEnqueued()
    {
        Assert.Empty(_batches);
        _factory.Sender.Verify(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, body.RootElement.GetProperty("status").GetInt32());
    }

    private static StringContent Json(string body, string mediaType = "application/json") => new(body, Encoding.UTF8, mediaType);

    private static JsonElement BodyOf(ServiceBusMessage message) => JsonDocument.Parse(message.Body.ToString()).RootElement;

    // ---- AcsEvents ----

    [Fact]
    public async Task Acs_NoSecretConfigured_RefusesEverythingWith401()
    {
        using var http = AcsClient("anything-anything-anything-anything", configured: false);

        using var post = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));
        using var options = await http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/webhooks/acs")
        {
            Headers = { { "WebHook-Request-Origin", "eventgrid.azure.net" } },
        });

        await AssertProblemAsync(post, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(options, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("acs-secret-0123456789abcdefghijklmno")]
    [InlineData("ACS-SECRET-0123456789ABCDEFGHIJKLMNOP")]
    public async Task Acs_MissingOrWrongSecretHeader_Is401AndEnqueuesNothing(string? header)
    {
        using var http = header is null ? Client() : AcsClient(header);

        using var response = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Theory]
    [InlineData("/api/webhooks/acs?secret=" + AcsSecret, true)]
    [InlineData("/api/webhooks/acs?secret=" + AcsSecret, false)]
    [InlineData("/api/webhooks/acs?secret=", true)]
    public async Task Acs_SecretInTheUrl_Is401SayingToMoveItToTheHeader_EvenWhenRight(string url, bool alsoInHeader)
    {
        // URLs are logged by the host: a secret there is already exposed, so it is refused, never silently accepted.
        using var http = alsoInHeader ? AcsClient() : Client();

        using var post = await http.PostAsync(url, Json(SmsReceived));
        using var options = await http.SendAsync(new HttpRequestMessage(HttpMethod.Options, url)
        {
            Headers = { { "WebHook-Request-Origin", "eventgrid.azure.net" } },
        });

        await AssertProblemAsync(post, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(options, HttpStatusCode.Unauthorized);
        var detail = JsonDocument.Parse(await post.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("X-Omni-Secret", detail);
        Assert.Contains("?secret=", detail);
        Assert.DoesNotContain(AcsSecret, detail);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_SubscriptionValidation_EchoesTheCode()
    {
        using var http = AcsClient();

        using var response = await http.PostAsync("/api/webhooks/acs", Json(Validation));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", body.RootElement.GetProperty("validationResponse").GetString());
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_CloudEventsOptionsHandshake_GrantsTheOrigin()
    {
        using var http = AcsClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/webhooks/acs");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Origin")));
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Rate")));
    }

    [Fact]
    public async Task Acs_HandshakesWithoutTheHeader_AreAnswered_ButEventsWithoutItAreNot()
    {
        // A subscription must be creatable whether or not Event Grid adds its delivery properties to the handshake;
        // answering one writes nothing. Events still need the secret.
        using var http = Client();
        using var options = new HttpRequestMessage(HttpMethod.Options, "/api/webhooks/acs");
        options.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var validation = await http.PostAsync("/api/webhooks/acs", Json(Validation));
        using var preflight = await http.SendAsync(options);
        using var events = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));

        Assert.Equal(HttpStatusCode.OK, validation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, preflight.StatusCode);
        await AssertProblemAsync(events, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_HandshakeWithAWrongHeader_Is401()
    {
        using var http = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/acs") { Content = Json(Validation) };
        request.Headers.Add("X-Omni-Secret", "not-the-secret-but-long-enough-to-look-like-one");

        using var response = await http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Acs_OptionsWithoutOrigin_Is400()
    {
        using var http = AcsClient();

        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/webhooks/acs"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Acs_SmsReceived_IsEnqueuedOnInboundWithTheEventIdAsMessageId()
    {
        using var http = AcsClient();

        using var response = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _factory.ServiceBus.Verify(c => c.CreateSender("inbound"));
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", message.MessageId);
        Assert.Equal("application/json", message.ContentType);
        var body = BodyOf(message);
        Assert.Equal(message.MessageId, body.GetProperty("id").GetString());
        Assert.Equal("message", body.GetProperty("kind").GetString());
        Assert.Equal("acs", body.GetProperty("provider").GetString());
        Assert.Equal("sms", body.GetProperty("channel").GetString());
        Assert.Equal("+15555555555", body.GetProperty("from").GetString());
        Assert.Equal("Great to connect with Azure Communication Services events", body.GetProperty("text").GetString());
        Assert.False(body.TryGetProperty("status", out _)); // nulls are left out
    }

    [Fact]
    public async Task Acs_ChunkedBodyWithoutContentLength_IsReadWholeAndEnqueued()
    {
        using var http = AcsClient();
        // Padded with JSON whitespace to several pooled-buffer sizes; no Content-Length: sent chunked.
        var padded = SmsReceived + new string(' ', 50_000);
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(padded)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/acs") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", message.MessageId);
    }

    [Fact]
    public async Task Acs_ChunkedBodyOverOneMegabyte_Is413AndEnqueuesNothing()
    {
        using var http = AcsClient();
        var padded = SmsReceived + new string(' ', 1024 * 1024);
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(padded)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/acs") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_CloudEventsBatch_IsOneServiceBusBatch()
    {
        using var http = AcsClient();
        var one = """{"specversion":"1.0","id":"e1","source":"/s","type":"Microsoft.Communication.SMSDeliveryReportReceived","time":"2024-01-01T00:00:00Z","data":{"messageId":"Outgoing_1","deliveryStatus":"Delivered"}}""";
        var two = """{"specversion":"1.0","id":"e2","source":"/s","type":"Microsoft.Communication.SMSDeliveryReportReceived","time":"2024-01-01T00:00:01Z","data":{"messageId":"Outgoing_2","deliveryStatus":"Failed","deliveryStatusDetails":"Blocked"}}""";

        using var response = await http.PostAsync("/api/webhooks/acs", Json($"[{one},{two},{one}]", "application/cloudevents-batch+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = Assert.Single(_batches);
        Assert.Equal(["acs:e1", "acs:e2"], batch.Select(m => m.MessageId)); // the duplicate is dropped
        Assert.Equal("failed", BodyOf(batch[1]).GetProperty("status").GetString());
        Assert.Equal("Blocked", BodyOf(batch[1]).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Acs_SingleCloudEvent_IsEnqueued()
    {
        using var http = AcsClient();
        var single = """{"specversion":"1.0","id":"e9","source":"/s","type":"Microsoft.Communication.EmailEngagementTrackingReportReceived","data":{"messageId":"m9","engagementType":"view"}}""";

        using var response = await http.PostAsync("/api/webhooks/acs", Json(single, "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = BodyOf(Assert.Single(Assert.Single(_batches)));
        Assert.Equal("engagement", body.GetProperty("kind").GetString());
        Assert.Equal("read", body.GetProperty("status").GetString());
        Assert.Equal("view", body.GetProperty("engagement").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[{\"nothing\":true}]")]
    public async Task Acs_Malformed_Is400AndEnqueuesNothing(string body)
    {
        using var http = AcsClient();

        using var response = await http.PostAsync("/api/webhooks/acs", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_UnsupportedEventType_Is200AndIgnored()
    {
        using var http = AcsClient();

        using var response = await http.PostAsync("/api/webhooks/acs",
            Json("""[{"id":"x","eventType":"Microsoft.Communication.CallStarted","data":{}}]"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_ServiceBusFails_Is503SoEventGridRetries()
    {
        _factory.Sender.Setup(s => s.SendMessagesAsync(It.IsAny<IEnumerable<ServiceBusMessage>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new global::Azure.RequestFailedException(503, "Server busy"));
        using var http = AcsClient();

        using var response = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
    }

    // ---- TwilioWebhook ----

    private static string TwilioSign(string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var p in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(p.Key).Append(p.Value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TwilioToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    private static readonly KeyValuePair<string, string>[] InboundSms =
    [
        new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        new("From", "+14158675309"), new("To", "+18005551212"), new("Body", "Hello & bye + more"), new("NumMedia", "0"),
    ];

    private static HttpRequestMessage TwilioRequest(KeyValuePair<string, string>[] parameters, string signature, bool forwarded = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/twilio") { Content = new FormUrlEncodedContent(parameters) };
        request.Headers.Add("X-Twilio-Signature", signature);
        if (forwarded)
        {
            request.Headers.Add("X-Forwarded-Host", PublicHost);
            request.Headers.Add("X-Forwarded-Proto", "https");
        }
        return request;
    }

    [Theory]
    [InlineData("https://" + PublicHost + "/api/webhooks/twilio")]
    [InlineData("https://" + PublicHost + ":443/api/webhooks/twilio")]
    public async Task Twilio_SignedOverTheAppsPublicUrl_AnswersEmptyTwimlAndEnqueues(string signedUrl)
    {
        using var http = Client();

        using var response = await http.SendAsync(TwilioRequest(InboundSms, TwilioSign(signedUrl, InboundSms)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<Response/>", await response.Content.ReadAsStringAsync());
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("twilio:SM0123456789abcdef0123456789abcdef", message.MessageId);
        var body = BodyOf(message);
        Assert.Equal("Hello & bye + more", body.GetProperty("text").GetString());
        Assert.Equal("+14158675309", body.GetProperty("from").GetString());
    }

    private static HttpRequestMessage TwilioForwardedRequest(string forwardedHost, string signedHost)
    {
        var request = TwilioRequest(InboundSms, TwilioSign($"https://{signedHost}/api/webhooks/twilio", InboundSms), forwarded: false);
        request.Headers.Add("X-Forwarded-Host", forwardedHost);
        request.Headers.Add("X-Forwarded-Proto", "https");
        return request;
    }

    [Fact]
    public async Task Twilio_SignedOverAHostTheClientPutInXForwardedHost_Is401()
    {
        using var http = Client();

        // A request Twilio really signed, but for another app on the same account, replayed here with its host forwarded.
        using var response = await http.SendAsync(TwilioForwardedRequest("other-app.example.com", "other-app.example.com"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Twilio_TrustForwardedHost_OnlyTheRightMostValueCounts()
    {
        using var http = Client(more: b => b.UseSetting("Twilio:TrustForwardedHost", "true"));

        // The proxy appended its own view after the client's value.
        using var clientsValue = await http.SendAsync(TwilioForwardedRequest("other-app.example.com, sms.example.org", "other-app.example.com"));
        using var proxysValue = await http.SendAsync(TwilioForwardedRequest("other-app.example.com, sms.example.org", "sms.example.org"));

        await AssertProblemAsync(clientsValue, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, proxysValue.StatusCode);
        Assert.Single(_batches);
    }

    [Fact]
    public async Task Twilio_ForwardedHostNotTrusted_IsNotACandidate()
    {
        using var http = Client();

        using var response = await http.SendAsync(TwilioForwardedRequest("sms.example.org", "sms.example.org"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Twilio_ConfiguredWebhookUrl_IsTheUrlChecked()
    {
        using var http = Client(more: b => b.UseSetting("Twilio:WebhookUrl", "https://sms.example.org/api/webhooks/twilio"));

        using var good = await http.SendAsync(TwilioRequest(InboundSms, TwilioSign("https://sms.example.org/api/webhooks/twilio", InboundSms), forwarded: false));
        using var forwardedOnly = await http.SendAsync(TwilioRequest(InboundSms, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", InboundSms)));

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        await AssertProblemAsync(forwardedOnly, HttpStatusCode.Unauthorized);
        Assert.Single(_batches);
    }

    [Fact]
    public async Task Twilio_PublicBaseUrl_IsACandidate()
    {
        using var http = Client(more: b => b.UseSetting("Omni:PublicBaseUrl", "https://omni.example.org/"));

        using var response = await http.SendAsync(TwilioRequest(InboundSms, TwilioSign("https://omni.example.org/api/webhooks/twilio", InboundSms), forwarded: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Twilio_StatusCallback_IsEnqueuedAsADelivery()
    {
        using var http = Client();
        KeyValuePair<string, string>[] callback = [new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", "undelivered"), new("ErrorCode", "30003")];

        using var response = await http.SendAsync(TwilioRequest(callback, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", callback)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("twilio:SM0123456789abcdef0123456789abcdef:undelivered", message.MessageId);
        Assert.Equal("failed", BodyOf(message).GetProperty("status").GetString());
        Assert.Equal("30003", BodyOf(message).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Twilio_StatusCallback_WithOmniHintsInTheSignedUrl_CarriesThemToTheInboundQueue()
    {
        using var http = Client();
        KeyValuePair<string, string>[] callback = [new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", "sent")];
        const string path = "/api/webhooks/twilio?m=01JD7-order.42&s=1";
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(callback) };
        request.Headers.Add("X-Twilio-Signature", TwilioSign($"https://{PublicHost}{path}", callback));
        request.Headers.Add("X-Forwarded-Host", PublicHost);
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = BodyOf(Assert.Single(Assert.Single(_batches)));
        Assert.Equal("01JD7-order.42", body.GetProperty("omniMessageId").GetString());
        Assert.Equal(1, body.GetProperty("omniStep").GetInt32());
    }

    [Fact]
    public async Task Twilio_StatusCallback_HintsAddedToASignatureForTheBareUrl_Are401()
    {
        using var http = Client();
        KeyValuePair<string, string>[] callback = [new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", "sent")];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/twilio?m=someone-else&s=0") { Content = new FormUrlEncodedContent(callback) };
        request.Headers.Add("X-Twilio-Signature", TwilioSign($"https://{PublicHost}/api/webhooks/twilio", callback));
        request.Headers.Add("X-Forwarded-Host", PublicHost);
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(_batches);
    }

    [Fact]
    public async Task Twilio_JsonBodyWithBodySha256_IsVerifiedAndEnqueued()
    {
        using var http = Client();
        var json = """{"MessageSid":"SM1","MessageStatus":"delivered"}""";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json))).ToLowerInvariant();
        var path = $"/api/webhooks/twilio?bodySHA256={hash}";
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        request.Headers.Add("X-Twilio-Signature", TwilioSign($"https://{PublicHost}{path}", []));
        request.Headers.Add("X-Forwarded-Host", PublicHost);
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("twilio:SM1:delivered", Assert.Single(Assert.Single(_batches)).MessageId);
    }

    [Fact]
    public async Task Twilio_WrongSignature_Is401AndEnqueuesNothing()
    {
        using var http = Client();
        var tampered = InboundSms.Select(p => p.Key == "Body" ? new KeyValuePair<string, string>("Body", "changed") : p).ToArray();

        using var response = await http.SendAsync(TwilioRequest(tampered, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", InboundSms)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Twilio_NoAuthTokenConfigured_Is401()
    {
        using var http = Client(configured: false);

        using var response = await http.SendAsync(TwilioRequest(InboundSms, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", InboundSms)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Twilio_SignedButNoMessageSid_Is400()
    {
        using var http = Client();
        KeyValuePair<string, string>[] parameters = [new("From", "+14158675309"), new("Body", "x")];

        using var response = await http.SendAsync(TwilioRequest(parameters, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", parameters)));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Twilio_UnsupportedStatus_Is200TwimlAndIgnored()
    {
        using var http = Client();
        KeyValuePair<string, string>[] parameters = [new("MessageSid", "SM1"), new("MessageStatus", "receiving")];

        using var response = await http.SendAsync(TwilioRequest(parameters, TwilioSign($"https://{PublicHost}/api/webhooks/twilio", parameters)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("<Response/>", await response.Content.ReadAsStringAsync());
        AssertNothingEnqueued();
    }

    // ---- MetaWebhook ----

    [Fact]
    public async Task Meta_Verification_EchoesTheChallengeAsText()
    {
        using var http = Client();

        using var response = await http.GetAsync($"/api/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={MetaVerifyToken}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong")]
    [InlineData("/api/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444")]
    [InlineData("/api/webhooks/meta")]
    public async Task Meta_VerificationWithWrongToken_Is403(string url)
    {
        using var http = Client();

        using var response = await http.GetAsync(url);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    private static HttpRequestMessage MetaRequest(string body, string secret, string? signedBody = null)
    {
        var signature = "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(signedBody ?? body))).ToLowerInvariant();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/meta") { Content = Json(body) };
        request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    [Fact]
    public async Task Meta_SignedNotification_IsEnqueued()
    {
        using var http = Client();

        using var response = await http.SendAsync(MetaRequest(MetaText, MetaSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("meta:ABGGFlA5Fpa", message.MessageId);
        Assert.Equal("whatsapp", BodyOf(message).GetProperty("channel").GetString());
        Assert.Equal("+16315551181", BodyOf(message).GetProperty("from").GetString());
    }

    [Fact]
    public async Task Meta_TamperedBody_Is401AndEnqueuesNothing()
    {
        using var http = Client();

        using var response = await http.SendAsync(MetaRequest(MetaText.Replace("text message", "text massage"), MetaSecret, signedBody: MetaText));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Meta_WrongSecretOrNoneConfigured_Is401()
    {
        using (var http = Client())
        {
            using var wrong = await http.SendAsync(MetaRequest(MetaText, "not-the-secret"));
            await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized);
        }
        using (var unconfigured = Client(configured: false))
        {
            using var response = await unconfigured.SendAsync(MetaRequest(MetaText, ""));
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Meta_SignedButMalformed_Is400()
    {
        using var http = Client();

        using var response = await http.SendAsync(MetaRequest("""{"entry":"nope"}""", MetaSecret));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        AssertNothingEnqueued();
    }

    // ---- ChatWebhook ----

    private static HttpRequestMessage ChatRequest(string body, DateTimeOffset signedAt, string secret = ChatSecret)
    {
        var t = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body))).ToLowerInvariant();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/chat") { Content = Json(body) };
        request.Headers.Add("X-Omni-Signature", $"t={t},v1={mac}");
        return request;
    }

    private const string ChatBody = """{"id":"msg-1","userId":"user-7","text":"Hi there","sentAt":"2026-11-23T11:59:30Z"}""";

    [Fact]
    public async Task Chat_Signed_IsEnqueuedAsAnInAppMessage()
    {
        using var http = Client();

        using var response = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(Assert.Single(_batches));
        Assert.Equal("chat:msg-1", message.MessageId);
        var body = BodyOf(message);
        Assert.Equal("inapp", body.GetProperty("channel").GetString());
        Assert.Equal("user-7", body.GetProperty("from").GetString());
        Assert.Equal("Hi there", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Chat_Replayed_Is401AndEnqueuesNothing()
    {
        using var http = Client();

        using var response = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow.AddMinutes(-10)));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Chat_WrongSecretOrNoneConfigured_Is401()
    {
        using (var http = Client())
        {
            using var wrong = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow, "nope"));
            await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized);
        }
        using (var unconfigured = Client(configured: false))
        {
            using var response = await unconfigured.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow));
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        }
        AssertNothingEnqueued();
    }

    [Theory]
    // App Service leaves a reference it cannot resolve as literal text: a forger who guesses it must not get in.
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-omni.vault.azure.net/secrets/chat-webhook-secret/)")]
    // A short HMAC key can be brute-forced offline from one signed request: it counts as unset.
    [InlineData("chat-secret-31-characters-long!")]
    public async Task Chat_SecretThatCountsAsUnset_RefusesARequestSignedWithIt(string secret)
    {
        using var http = Client(more: b => b.UseSetting("Chat:Secret", secret));

        using var response = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow, secret));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Acs_SecretShorterThan32Characters_RefusesARequestCarryingIt()
    {
        const string shortSecret = "acs-secret-0123456789";
        using var http = AcsClient(shortSecret, more: b => b.UseSetting("AcsEvents:Secret", shortSecret));

        using var response = await http.PostAsync("/api/webhooks/acs", Json(SmsReceived));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Chat_SignedButMalformed_Is400()
    {
        using var http = Client();

        using var response = await http.SendAsync(ChatRequest("""{"id":"msg-1","text":"no user"}""", DateTimeOffset.UtcNow));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        AssertNothingEnqueued();
    }

    [Fact]
    public async Task Chat_SameMessageTwice_IsSentWithTheSameMessageIdForDuplicateDetection()
    {
        using var http = Client();

        using var first = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow));
        using var second = await http.SendAsync(ChatRequest(ChatBody, DateTimeOffset.UtcNow));

        Assert.Equal(2, _batches.Count);
        Assert.Equal(_batches[0][0].MessageId, _batches[1][0].MessageId);
    }

    [Fact]
    public async Task Webhooks_AreNotInTheOpenApiDocument()
    {
        using var http = Client();

        var document = await http.GetStringAsync("/api/openapi.json");

        Assert.DoesNotContain("webhooks", document);
    }
}
