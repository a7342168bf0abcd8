using System.Net;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Communication.Email;
using Omni.Azure.Communication.Messages;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

/// <summary>
/// The options every ACS client of the function app is built with (<see cref="AcsClientDefaults"/>): no hidden pipeline
/// retries, a bounded network timeout. Azure.Core's defaults (3 retries, 100 s a try) would keep an email or WhatsApp send
/// going for minutes.
/// </summary>
public sealed class AcsClientDefaultsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));

    private static TOptions Over<TOptions>(TOptions options, FakeProvider handler)
        where TOptions : global::Azure.Core.ClientOptions
    {
        options.Transport = new HttpClientTransport(handler);
        return options;
    }

    private EmailSender Email(FakeProvider handler, TimeSpan? timeout = null) => new(
        new AcsEmailOptions { SenderAddress = "DoNotReply@notify.example.net", HasConnection = true },
        new EmailClient(Acs.Endpoint, Acs.Key, Over(AcsClientDefaults.Apply(new EmailClientOptions(), timeout), handler)),
        NullLogger<EmailSender>.Instance, _time);

    private WhatsAppSender WhatsApp(FakeProvider handler, TimeSpan? timeout = null) => new(
        new AcsWhatsAppOptions { ChannelRegistrationId = Guid.Parse("0f0eb78e-a576-1dfc-b414-0f0756de3338"), HasConnection = true },
        new NotificationMessagesClient(Acs.Endpoint, Acs.Key, Over(AcsClientDefaults.Apply(new CommunicationMessagesClientOptions(), timeout), handler)),
        NullLogger<WhatsAppSender>.Instance, _time);

    private static ChannelSendRequest Request(Channel channel) => new("msg-0009", 0, channel, channel == Channel.Email ? Requests.Email : Requests.Phone,
        new RenderedContent("Your code is 123456", "Your code"), "security", Urgency.High, null, null, []);

    private static HttpResponseMessage Unavailable(RecordedRequest _) => FakeProvider.Json(HttpStatusCode.ServiceUnavailable,
        """{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}""");

    [Fact]
    public void Defaults_NoRetries_ThirtySecondTimeout()
    {
        var options = AcsClientDefaults.Apply(new EmailClientOptions());

        Assert.Equal((0, TimeSpan.FromSeconds(30)), (options.Retry.MaxRetries, options.Retry.NetworkTimeout));
        Assert.Equal(TimeSpan.FromSeconds(2), AcsClientDefaults.Apply(new CommunicationMessagesClientOptions(), TimeSpan.FromSeconds(2)).Retry.NetworkTimeout);
    }

    [Theory]
    [InlineData("email")]
    [InlineData("whatsapp")]
    public async Task A503_IsSeenOnce_AndIsTransient(string channel)
    {
        var handler = new FakeProvider(Unavailable);
        IChannelSender sender = channel == "email" ? Email(handler) : WhatsApp(handler);

        SendResult result = await sender.SendAsync(Request(channel == "email" ? Channel.Email : Channel.WhatsApp), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Single(handler.Requests); // Azure.Core's default policy would have sent it 4 times
    }

    [Theory]
    [InlineData("email")]
    [InlineData("whatsapp")]
    public async Task AnAnswerHeldPastTheTimeout_EndsTheCall_Once(string channel)
    {
        var handler = new FakeProvider(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Unavailable(null!);
        });
        IChannelSender sender = channel == "email" ? Email(handler, TimeSpan.FromMilliseconds(200)) : WhatsApp(handler, TimeSpan.FromMilliseconds(200));

        SendResult result = await sender.SendAsync(Request(channel == "email" ? Channel.Email : Channel.WhatsApp), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Single(handler.Requests);
    }
}
