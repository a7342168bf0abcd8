using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Communication.Messages;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

public sealed class WhatsAppSenderTests
{
    private static readonly Guid ChannelId = Guid.Parse("0f0eb78e-a576-1dfc-b414-0f0756de3338");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    private readonly CapturingLogger<WhatsAppSender> _log = new();

    private static ChannelSendRequest Request() =>
        new("msg-0003", 2, Channel.WhatsApp, Requests.Phone, new RenderedContent(Requests.SecretText), "security", Urgency.Critical, "contact-42", null, []);

    private (WhatsAppSender Sender, FakeProvider Acs) Create(Func<RecordedRequest, HttpResponseMessage> respond)
    {
        var handler = new FakeProvider(respond);
        var client = new NotificationMessagesClient(Acs.Endpoint, Acs.Key, Acs.WithTransport(new CommunicationMessagesClientOptions(), handler));
        var options = new AcsWhatsAppOptions { ChannelRegistrationId = ChannelId, HasConnection = true };
        return (new WhatsAppSender(options, client, _log, _time), handler);
    }

    [Fact]
    public async Task SendAsync_Text_RequestShapeAndReceiptId()
    {
        var (sender, acs) = Create(_ => FakeProvider.Json(HttpStatusCode.Accepted,
            """{"receipts":[{"messageId":"320fc2a1-4c4b-4387-9c1a-bd38b57795de","to":"14255550123"}]}""", ("Repeatability-Result", "accepted")));

        SendResult result = await sender.SendAsync(Request(), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal("acs", result.Provider);
        Assert.Equal("320fc2a1-4c4b-4387-9c1a-bd38b57795de", result.ProviderMessageId);
        Assert.Equal(AttemptStatus.Queued, result.Status);

        RecordedRequest call = Assert.Single(acs.Requests);
        Acs.AssertSigned(call);
        Assert.Equal("/messages/notifications:send?api-version=2024-08-30", call.Uri.PathAndQuery);
        Assert.Equal(DeterministicGuid.Create("acs-whatsapp", "msg-0003:2").ToString("D"), call.Header("Repeatability-Request-ID"));
        Assert.Equal("Mon, 23 Nov 2026 09:30:00 GMT", call.Header("Repeatability-First-Sent"));
        using JsonDocument body = JsonDocument.Parse(call.Body);
        JsonElement root = body.RootElement;
        Assert.Equal(ChannelId.ToString("D"), root.GetProperty("channelRegistrationId").GetString());
        Assert.Equal("14255550123", Assert.Single(root.GetProperty("to").EnumerateArray()).GetString());
        Assert.Equal("text", root.GetProperty("kind").GetString());
        Assert.Equal(Requests.SecretText, root.GetProperty("content").GetString());
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.Forbidden, SendOutcome.Permanent)]
    [InlineData(HttpStatusCode.TooManyRequests, SendOutcome.Transient)]
    [InlineData(HttpStatusCode.ServiceUnavailable, SendOutcome.Transient)]
    public async Task SendAsync_Errors_Classified(HttpStatusCode status, SendOutcome expected)
    {
        var (sender, _) = Create(_ => FakeProvider.Json(status, """{"error":{"code":"SomeCode","message":"Refused."}}"""));

        SendResult result = await sender.SendAsync(Request(), CancellationToken.None);

        Assert.Equal(expected, result.Outcome);
        Assert.StartsWith($"acs {(int)status} SomeCode", result.Error);
        Assert.DoesNotContain("4255550123", _log.All);
        Assert.DoesNotContain("481516", _log.All);
    }
}
