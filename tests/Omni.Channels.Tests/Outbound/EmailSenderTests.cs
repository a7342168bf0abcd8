using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Communication.Email;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

public sealed class EmailSenderTests
{
    private const string Secret = "unsubscribe-secret-for-tests-0123456789";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    private readonly CapturingLogger<EmailSender> _log = new();

    private static ChannelSendRequest Email(string category, string? contactId = "contact-42") =>
        new("msg-0002", 1, Channel.Email, Requests.Email,
            new RenderedContent("Hello Jane, your November statement is ready.", "Your statement", "<p>Hello Jane, your November statement is ready.</p>"),
            category, Urgency.Normal, contactId, null, []);

    private (EmailSender Sender, FakeProvider Acs) Create(Func<RecordedRequest, HttpResponseMessage> respond, AcsEmailOptions? options = null)
    {
        var handler = new FakeProvider(respond);
        var client = new EmailClient(Acs.Endpoint, Acs.Key, Acs.WithTransport(new EmailClientOptions(), handler));
        options ??= new AcsEmailOptions
        {
            SenderAddress = "DoNotReply@notify.example.net",
            HasConnection = true,
            PublicBaseUrl = new Uri("https://omni.example.net"),
            UnsubscribeSecret = Secret,
        };
        return (new EmailSender(options, client, _log, _time), handler);
    }

    private static HttpResponseMessage Accepted(RecordedRequest request)
    {
        string id = request.Header("Operation-Id")!;
        return FakeProvider.Json(HttpStatusCode.Accepted, $$"""{"id":"{{id}}","status":"Running"}""",
            ("Operation-Location", $"https://omni-test.communication.azure.com/emails/operations/{id}?api-version=2025-09-01"), ("retry-after", "20"));
    }

    [Fact]
    public async Task SendAsync_Marketing_CarriesOneClickUnsubscribeHeaders()
    {
        var (sender, acs) = Create(Accepted);

        SendResult result = await sender.SendAsync(Email("marketing"), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal(AttemptStatus.Queued, result.Status);
        string operationId = DeterministicGuid.Create("acs-email", "msg-0002:1").ToString("D");
        Assert.Equal(operationId, result.ProviderMessageId);

        RecordedRequest call = Assert.Single(acs.Requests);
        Acs.AssertSigned(call);
        Assert.Equal(operationId, call.Header("Operation-Id"));
        Assert.Equal("/emails:send?api-version=2025-09-01", call.Uri.PathAndQuery);
        using JsonDocument body = JsonDocument.Parse(call.Body);
        JsonElement root = body.RootElement;
        Assert.Equal("DoNotReply@notify.example.net", root.GetProperty("senderAddress").GetString());
        Assert.Equal("Your statement", root.GetProperty("content").GetProperty("subject").GetString());
        Assert.StartsWith("<p>", root.GetProperty("content").GetProperty("html").GetString());
        Assert.Equal(Requests.Email, root.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString());

        JsonElement headers = root.GetProperty("headers");
        Assert.Equal("List-Unsubscribe=One-Click", headers.GetProperty("List-Unsubscribe-Post").GetString());
        string link = headers.GetProperty("List-Unsubscribe").GetString()!;
        const string prefix = "<https://omni.example.net/api/unsubscribe/";
        Assert.StartsWith(prefix, link);
        Assert.EndsWith(">", link);
        string token = link[prefix.Length..^1];
        Assert.True(new UnsubscribeToken(Secret).TryVerify(token, out string contactId, out Channel channel, out string category));
        Assert.Equal(("contact-42", Channel.Email, "marketing"), (contactId, channel, category));
        Assert.DoesNotContain("jane", token, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SendAsync_ContactIdIsAnEmail_TheUnsubscribeLinkDoesNotCarryIt_NorDoTheLogs()
    {
        var (sender, acs) = Create(Accepted);

        SendResult result = await sender.SendAsync(Email("marketing", "ada@example.org"), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        using JsonDocument body = JsonDocument.Parse(Assert.Single(acs.Requests).Body);
        string link = body.RootElement.GetProperty("headers").GetProperty("List-Unsubscribe").GetString()!;
        string token = link["<https://omni.example.net/api/unsubscribe/".Length..^1];
        string decoded = string.Join("", token.Split('.').Select(part => Encoding.Latin1.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(part))));
        Assert.DoesNotContain("ada@example.org", link, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ada@example.org", decoded, StringComparison.OrdinalIgnoreCase);
        Assert.True(new UnsubscribeToken(Secret).TryVerify(token, out string contactId, out _, out _));
        Assert.Equal("ada@example.org", contactId);
        Assert.DoesNotContain("ada@example.org", _log.All, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("transactional")]
    [InlineData("security")]
    [InlineData("support")]
    public async Task SendAsync_RelationshipCategories_NoUnsubscribeHeaders(string category)
    {
        var (sender, acs) = Create(Accepted);

        SendResult result = await sender.SendAsync(Email(category), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        using JsonDocument body = JsonDocument.Parse(Assert.Single(acs.Requests).Body);
        Assert.False(body.RootElement.TryGetProperty("headers", out _));
    }

    [Fact]
    public async Task SendAsync_CustomCategoryForContact_CarriesHeaders()
    {
        var (sender, acs) = Create(Accepted);

        await sender.SendAsync(Email("newsletter"), CancellationToken.None);

        using JsonDocument body = JsonDocument.Parse(Assert.Single(acs.Requests).Body);
        Assert.True(body.RootElement.GetProperty("headers").TryGetProperty("List-Unsubscribe", out _));
    }

    [Fact]
    public async Task SendAsync_MarketingWithoutUnsubscribeSettings_PermanentAndNotSent()
    {
        var (sender, acs) = Create(Accepted, new AcsEmailOptions { SenderAddress = "DoNotReply@notify.example.net", HasConnection = true });

        SendResult result = await sender.SendAsync(Email("marketing"), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Contains("Omni__UnsubscribeSecret", result.Error);
        Assert.Empty(acs.Requests);
    }

    [Fact]
    public async Task SendAsync_Acs400_Permanent()
    {
        var (sender, _) = Create(_ => FakeProvider.Json(HttpStatusCode.BadRequest,
            """{"error":{"code":"InvalidRecipients","message":"The recipient address is invalid."}}""", ("x-ms-error-code", "InvalidRecipients")));

        SendResult result = await sender.SendAsync(Email("transactional"), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal(AttemptStatus.Failed, result.Status);
        Assert.StartsWith("acs 400 InvalidRecipients", result.Error);
        Assert.Equal("permanent", Assert.Single(result.Tries).Outcome);
    }

    [Fact]
    public async Task SendAsync_Acs429_TransientWithRetryAfter()
    {
        var (sender, _) = Create(_ => FakeProvider.Json(HttpStatusCode.TooManyRequests,
            """{"error":{"code":"TooManyRequests","message":"Too many requests."}}""", ("Retry-After", "60")));

        SendResult result = await sender.SendAsync(Email("transactional"), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(60), result.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_Logs_NoAddressNoText()
    {
        var (sender, _) = Create(_ => FakeProvider.Json(HttpStatusCode.BadRequest,
            $$$"""{"error":{"code":"InvalidRecipients","message":"Bad address {{{Requests.Email}}}"}}"""));
        var (ok, _) = Create(Accepted);

        SendResult failed = await sender.SendAsync(Email("marketing"), CancellationToken.None);
        await ok.SendAsync(Email("marketing"), CancellationToken.None);

        Assert.DoesNotContain(Requests.Email, failed.Error);
        Assert.Contains("msg-0002", _log.All);
        Assert.DoesNotContain("jane", _log.All, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("statement", _log.All, StringComparison.OrdinalIgnoreCase);
    }
}
