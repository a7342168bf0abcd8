using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

public sealed class WebhookSenderTests
{
    private const string Secret = "whsec-test-0123456789abcdef";
    private const string InAppSecret = "inapp-test-secret";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    private readonly CapturingLogger<WebhookSender> _log = new();

    private static ChannelSendRequest Webhook(string url) =>
        new("msg-0004", 0, Channel.Webhook, url, new RenderedContent(Requests.SecretText, "Login code"), "security", Urgency.High,
            "contact-42", "corr-9", ["otp", "login"]);

    private (WebhookSender Sender, FakeProvider Target) Create(Func<RecordedRequest, HttpResponseMessage> respond, bool allowPrivate = false,
        Uri? inApp = null, TimeSpan? timeout = null, string signingSecret = Secret)
    {
        var handler = new FakeProvider(respond);
        var options = new WebhookOptions
        {
            SigningSecret = signingSecret,
            InAppSigningSecret = InAppSecret,
            AllowPrivateTargets = allowPrivate,
            InAppEndpoint = inApp,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        return (new WebhookSender(options, new HttpClient(handler), _log, _time), handler);
    }

    private static HttpResponseMessage Ok(RecordedRequest _) => new(HttpStatusCode.NoContent);

    [Fact]
    public async Task SendAsync_Webhook_SignedBodyAndHeaders()
    {
        // 93.184.215.14 is a public address literal: no DNS needed.
        var (sender, target) = Create(Ok);

        SendResult result = await sender.SendAsync(Webhook("https://93.184.215.14/hooks/omni"), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal(AttemptStatus.Delivered, result.Status);
        Assert.Equal("webhook", result.Provider);
        RecordedRequest call = Assert.Single(target.Requests);
        Assert.Equal("https://93.184.215.14/hooks/omni", call.Uri.AbsoluteUri);
        Assert.Equal("msg-0004:0", call.Header("Idempotency-Key"));
        Assert.Equal("msg-0004", call.Header("X-Omni-Message-Id"));
        Assert.StartsWith("application/json", call.Header("Content-Type"));

        string signature = call.Header("X-Omni-Signature")!;
        string[] parts = signature.Split(',');
        Assert.Equal("t=" + _time.GetUtcNow().ToUnixTimeSeconds(), parts[0]);
        string t = parts[0][2..];
        byte[] signed = [.. Encoding.UTF8.GetBytes(t + "."), .. call.Body];
        string targetSecret = StandardWebhook.DeriveTargetSecret(Secret, call.Uri);
        string expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(targetSecret), signed)).ToLowerInvariant();
        Assert.Equal("v1=" + expected, parts[1]);
        Assert.Equal("msg-0004:0", call.Header("webhook-id"));
        Assert.Equal(t, call.Header("webhook-timestamp"));
        Assert.Equal(StandardWebhook.Sign([targetSecret], "msg-0004:0", long.Parse(t, CultureInfo.InvariantCulture), call.Body),
            call.Header("webhook-signature"));

        using JsonDocument body = JsonDocument.Parse(call.Body);
        JsonElement root = body.RootElement;
        Assert.Equal("msg-0004:0", root.GetProperty("id").GetString());
        Assert.Equal("msg-0004", root.GetProperty("messageId").GetString());
        Assert.Equal(0, root.GetProperty("step").GetInt32());
        Assert.Equal("webhook", root.GetProperty("channel").GetString());
        Assert.Equal("contact-42", root.GetProperty("contactId").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("userId").ValueKind);
        Assert.Equal("security", root.GetProperty("category").GetString());
        Assert.Equal("high", root.GetProperty("urgency").GetString());
        Assert.Equal(Requests.SecretText, root.GetProperty("text").GetString());
        Assert.Equal("Login code", root.GetProperty("subject").GetString());
        Assert.Equal("corr-9", root.GetProperty("correlationId").GetString());
        Assert.Equal(["otp", "login"], root.GetProperty("tags").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("2026-11-23T09:30:00.000Z", root.GetProperty("sentAt").GetString());
    }

    [Fact]
    public async Task SendAsync_InApp_PostsToEndpointWithUserId()
    {
        var (sender, target) = Create(Ok, allowPrivate: true, inApp: new Uri("http://127.0.0.1:5005/inapp/messages"));
        var request = new ChannelSendRequest("msg-0005", 1, Channel.InApp, "user-777", new RenderedContent("Your parcel is here"),
            "transactional", Urgency.Normal, "contact-42", null, []);

        SendResult result = await sender.SendAsync(request, CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        RecordedRequest call = Assert.Single(target.Requests);
        Assert.Equal("http://127.0.0.1:5005/inapp/messages", call.Uri.AbsoluteUri);
        using JsonDocument body = JsonDocument.Parse(call.Body);
        Assert.Equal("user-777", body.RootElement.GetProperty("userId").GetString());
        Assert.Equal("inapp", body.RootElement.GetProperty("channel").GetString());
        Assert.True(Verifies(call, InAppSecret));
        Assert.False(Verifies(call, Secret));
    }

    [Fact]
    public async Task SendAsync_TwoWebhookTargets_EachVerifiesOnlyWithItsOwnSecret()
    {
        var (sender, target) = Create(Ok);

        await sender.SendAsync(Webhook("https://93.184.215.14/hooks/a"), CancellationToken.None);
        await sender.SendAsync(Webhook("https://93.184.215.14/hooks/b"), CancellationToken.None);

        RecordedRequest[] calls = [.. target.Requests];
        RecordedRequest a = calls[0], b = calls[1];
        string secretA = StandardWebhook.DeriveTargetSecret(Secret, a.Uri), secretB = StandardWebhook.DeriveTargetSecret(Secret, b.Uri);
        Assert.NotEqual(secretA, secretB);
        Assert.True(Verifies(a, secretA));
        Assert.True(Verifies(b, secretB));
        Assert.False(Verifies(a, secretB));
        Assert.False(Verifies(b, secretA));
        Assert.False(Verifies(a, Secret));
        Assert.False(Verifies(a, InAppSecret));
    }

    [Fact]
    public async Task SendAsync_RotatingMasterSecret_TwoSignaturesEachVerifying()
    {
        var (sender, target) = Create(Ok, signingSecret: "new-master old-master");

        await sender.SendAsync(Webhook("https://93.184.215.14/hooks/omni"), CancellationToken.None);

        RecordedRequest call = Assert.Single(target.Requests);
        Assert.Equal(2, call.Header("webhook-signature")!.Split(' ').Length);
        Assert.True(Verifies(call, StandardWebhook.DeriveTargetSecret("new-master", call.Uri)));
        Assert.True(Verifies(call, StandardWebhook.DeriveTargetSecret("old-master", call.Uri)));
    }

    [Fact]
    public async Task SendAsync_InAppWithoutItsSecret_PermanentWithoutCall()
    {
        var handler = new FakeProvider(Ok);
        var options = new WebhookOptions { SigningSecret = Secret, AllowPrivateTargets = true, InAppEndpoint = new Uri("http://127.0.0.1:5005/inapp") };
        var sender = new WebhookSender(options, new HttpClient(handler), _log, _time);

        SendResult result = await sender.SendAsync(new ChannelSendRequest("msg-0006", 0, Channel.InApp, "user-1", new RenderedContent("hi"),
            "transactional", Urgency.Normal, null, null, []), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Contains("InApp__SigningSecret", result.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    private static bool Verifies(RecordedRequest call, string secret) =>
        StandardWebhook.Verify(secret, call.Header("webhook-id")!, call.Header("webhook-timestamp")!, call.Header("webhook-signature")!, call.Body);

    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("http://93.184.215.14/hook")]
    public async Task SendAsync_PrivateOrPlainHttpTarget_RefusedWithoutCall(string url)
    {
        var (sender, target) = Create(Ok);

        SendResult result = await sender.SendAsync(Webhook(url), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal(AttemptStatus.Failed, result.Status);
        Assert.Empty(target.Requests);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("http://localhost:9000/hook")]
    public async Task SendAsync_PrivateTargetAllowedByFlag_Sent(string url)
    {
        var (sender, target) = Create(Ok, allowPrivate: true);

        SendResult result = await sender.SendAsync(Webhook(url), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Single(target.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, SendOutcome.Accepted)]
    [InlineData(HttpStatusCode.Accepted, SendOutcome.Accepted)]
    [InlineData(HttpStatusCode.Gone, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.NotFound, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.UnprocessableEntity, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.Found, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.RequestTimeout, SendOutcome.Transient)]
    [InlineData(HttpStatusCode.TooManyRequests, SendOutcome.Transient)]
    [InlineData(HttpStatusCode.ServiceUnavailable, SendOutcome.Transient)]
    public async Task SendAsync_StatusCodes_Classified(HttpStatusCode status, SendOutcome expected)
    {
        var (sender, _) = Create(_ => new HttpResponseMessage(status) { Headers = { { "Retry-After", "5" } } });

        SendResult result = await sender.SendAsync(Webhook("https://93.184.215.14/hook"), CancellationToken.None);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(expected == SendOutcome.Transient ? TimeSpan.FromSeconds(5) : null, result.RetryAfter);
        Assert.Single(result.Tries);
    }

    [Fact]
    public async Task SendAsync_Timeout_Transient()
    {
        var handler = new FakeProvider(async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return new HttpResponseMessage(HttpStatusCode.OK); });
        var sender = new WebhookSender(new WebhookOptions { SigningSecret = Secret, Timeout = TimeSpan.FromMilliseconds(100) },
            new HttpClient(handler), _log, _time);

        SendResult result = await sender.SendAsync(Webhook("https://93.184.215.14/hook"), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Contains("timeout", result.Error);
    }

    [Fact]
    public async Task GuardedHandler_RefusesLoopbackAtConnectTime()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new HttpClient(PrivateNetworkGuard.CreateGuardedHandler());

        HttpRequestException error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{port}/"));

        Assert.IsType<PrivateTargetRefusedException>(error.InnerException);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task SendAsync_GuardedHandlerRefusal_Permanent()
    {
        // Private targets "allowed" by the pre-check but the guarded handler still refuses: the connect-time check is what counts.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sender = new WebhookSender(new WebhookOptions { SigningSecret = Secret, AllowPrivateTargets = true },
            new HttpClient(PrivateNetworkGuard.CreateGuardedHandler()), _log, _time);

        SendResult result = await sender.SendAsync(Webhook($"http://127.0.0.1:{port}/hook"), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Contains("non-public", result.Error);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task CreateHandler_PrivateAllowed_ReachesLoopbackListener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sender = new WebhookSender(new WebhookOptions { SigningSecret = Secret, AllowPrivateTargets = true },
            new HttpClient(WebhookSender.CreateHandler(new WebhookOptions { AllowPrivateTargets = true })), _log, _time);

        Task<SendResult> sending = sender.SendAsync(Webhook($"http://127.0.0.1:{port}/hook"), CancellationToken.None);
        using TcpClient accepted = await listener.AcceptTcpClientAsync();
        NetworkStream stream = accepted.GetStream();
        byte[] buffer = new byte[8192];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\"tags\""))
        {
            int read = await stream.ReadAsync(buffer);
            Assert.NotEqual(0, read);
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
        SendResult result = await sending;

        Assert.StartsWith("POST /hook HTTP/1.1", received.ToString());
        Assert.Contains("X-Omni-Signature: t=", received.ToString());
        Assert.Equal(SendOutcome.Accepted, result.Outcome);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.5.4", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.128.0.1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fdff:ffff::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("2002:c0a8:0101::1", false)]
    [InlineData("2606:4700:4700::1111", true)]
    public void IsPublic_Classifies(string address, bool expected)
    {
        Assert.Equal(expected, PrivateNetworkGuard.IsPublic(IPAddress.Parse(address)));
    }

    [Fact]
    public async Task SendAsync_Logs_NoUrlNoText()
    {
        var (sender, _) = Create(_ => new HttpResponseMessage(HttpStatusCode.Gone));

        await sender.SendAsync(Webhook("https://93.184.215.14/hooks/secret-path"), CancellationToken.None);

        Assert.Contains("msg-0004", _log.All);
        Assert.Contains("410", _log.All);
        Assert.DoesNotContain("secret-path", _log.All);
        Assert.DoesNotContain("481516", _log.All);
    }
}
