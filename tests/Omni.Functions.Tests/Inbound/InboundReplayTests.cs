using System.Security.Cryptography;
using System.Text;
using Omni.Channels;
using Omni.Channels.Inbound;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Core.Messages;
using Omni.Functions.Inbound;

namespace Omni.Functions.Tests.Inbound;

/// <summary>
/// A signed provider request replayed after Service Bus duplicate detection forgot it (one hour): Twilio and Meta
/// signatures carry no time, so the same request verifies a day later. ProcessInbound must recognise the event id
/// (table <c>inboundevents</c>, on Azurite) and change nothing, send nothing, publish nothing.
/// </summary>
public sealed class InboundReplayTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string TwilioToken = "twilio-token-0123456789";
    private const string TwilioUrl = "https://omni.example.org/api/webhooks/twilio";
    private const string MetaSecret = "meta-app-secret-0123456789";
    private static readonly CancellationToken None = CancellationToken.None;

    private static Dictionary<string, string?> AppEvents => new() { ["AppEvents:Url"] = "https://app.example.com/omni-events" };

    /// <summary>A Twilio request as the webhook gets it: signed with the auth token, then verified and parsed like TwilioWebhook does.</summary>
    private static InboundEvent ReceiveTwilio(KeyValuePair<string, string>[] form, DateTimeOffset receivedAt)
    {
        var signature = TwilioWebhook.ComputeSignature(TwilioToken, TwilioUrl, form);
        Assert.True(TwilioWebhook.IsValidFormRequest(TwilioToken, [TwilioUrl], form, signature));
        return Assert.Single(TwilioWebhook.Parse(form, receivedAt).Events);
    }

    private static KeyValuePair<string, string>[] TwilioSms(string sid, string from, string body) =>
    [
        new("MessageSid", sid), new("SmsSid", sid), new("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        new("From", from), new("To", "+447700900001"), new("Body", body), new("NumMedia", "0"),
    ];

    private static string Sid() => "SM" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task TwilioStop_ReplayedADayLater_AfterStart_ChangesNothing_SendsNothing_PublishesNothing()
    {
        var h = new InboundHarness(storage, AppEvents);
        var contact = await h.Pipeline.CreateContactAsync();
        var phone = contact.Addresses[Channel.Sms].Value;
        var stop = TwilioSms(Sid(), phone, "STOP");

        await h.ProcessAsync(ReceiveTwilio(stop, h.Clock.GetUtcNow()));
        await h.RunQueuesAsync();
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.ProcessAsync(ReceiveTwilio(TwilioSms(Sid(), phone, "START"), h.Clock.GetUtcNow()));
        await h.RunQueuesAsync();
        var appEventsBefore = h.AppEvents.Count;

        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.ProcessAsync(ReceiveTwilio(stop, h.Clock.GetUtcNow())); // the same signed request again
        await h.RunQueuesAsync();

        var history = (await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None))!;
        Assert.Equal([ConsentState.OptedOut, ConsentState.OptedIn], history.Select(e => e.State));
        Assert.Equal(ConsentState.OptedIn, new ConsentLedger(history).Current(Channel.Sms, "marketing").State);
        Assert.Equal([KeywordBook.BuiltInOptOut, KeywordBook.BuiltInOptIn], h.Pipeline.Sms.Calls.Select(c => c.Content.Text));
        var timeline = await h.Timeline.QueryAsync(contact.Id, new TimelineQuery(), None);
        Assert.Equal(2, timeline.Items.Count(i => i.Kind == "inbound"));
        Assert.Equal(appEventsBefore, h.AppEvents.Count);
        Assert.NotNull(await h.Events.ProcessedAtAsync("twilio:" + stop[0].Value, None));
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task TwilioStop_FromAnErasedContact_ReplayedLater_RecreatesNothing_SendsNothing()
    {
        var h = new InboundHarness(storage);
        var phone = "+447400" + Random.Shared.Next(100_000, 999_999);
        var stop = TwilioSms(Sid(), phone, "STOP");
        await h.ProcessAsync(ReceiveTwilio(stop, h.Clock.GetUtcNow()));
        await h.RunQueuesAsync();
        var anonymous = InboundProcessor.AnonymousContactId(Channel.Sms, phone);
        Assert.NotNull(await h.Pipeline.Contacts.GetAsync(anonymous, None));
        Assert.Single(h.Pipeline.Sms.Calls);

        // The person asks to be forgotten: the message log and the contact go (what DELETE /api/contacts/{id} does).
        await h.Pipeline.Messages.EraseContactAsync(anonymous, None);
        Assert.Equal(StoreOutcome.Deleted, (await h.Pipeline.Contacts.DeleteAsync(anonymous, null, None)).Outcome);
        h.Clock.Advance(TimeSpan.FromDays(3));
        await h.ProcessAsync(ReceiveTwilio(stop, h.Clock.GetUtcNow()));
        await h.RunQueuesAsync();

        Assert.Null(await h.Pipeline.Contacts.GetAsync(anonymous, None));
        Assert.Null(await h.Pipeline.Contacts.FindByAddressAsync(Channel.Sms, phone, None));
        Assert.Single(h.Pipeline.Sms.Calls);
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task TwilioStatusCallback_ReplayedADayLater_IsNotAppliedOrPublishedAgain()
    {
        var h = new InboundHarness(storage, AppEvents);
        var contact = await h.Pipeline.CreateContactAsync();
        var providerId = Sid();
        h.Pipeline.Sms.Then(_ => new SendResult(SendOutcome.Accepted, h.Pipeline.Sms.Provider, providerId, AttemptStatus.Queued, 1, null, null, null, null,
            [new ProviderTry(h.Pipeline.Sms.Provider, "accepted", DateTimeOffset.UnixEpoch)]));
        var id = await h.Pipeline.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional", Channel = "sms", Content = new MessageContentRequest { Text = "Code 1234" },
        });
        await h.RunQueuesAsync();
        KeyValuePair<string, string>[] delivered = [new("MessageSid", providerId), new("MessageStatus", "delivered"), new("To", contact.Addresses[Channel.Sms].Value)];
        // The harness's SMS stand-in answers as provider "acs": the parsed callback is aligned with it (signature and parsing stay Twilio's).
        var first = ReceiveTwilio(delivered, h.Clock.GetUtcNow()) with { Provider = h.Pipeline.Sms.Provider };
        await h.ProcessAsync(first);
        var afterFirst = await h.Pipeline.GetAsync(id);
        Assert.Equal(MessageStatus.Delivered, afterFirst.Status);
        var published = h.AppEvents.Count;

        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.ProcessAsync(ReceiveTwilio(delivered, h.Clock.GetUtcNow()) with { Provider = h.Pipeline.Sms.Provider });

        var afterReplay = await h.Pipeline.GetAsync(id);
        Assert.Equal(afterFirst.UpdatedAt, afterReplay.UpdatedAt);
        Assert.Equal(afterFirst.Trace, afterReplay.Trace);
        Assert.Equal(published, h.AppEvents.Count);
    }

    [Fact]
    public async Task MetaMessage_ReplayedADayLater_IsNotProcessedOrPublishedAgain()
    {
        var h = new InboundHarness(storage, AppEvents);
        var contact = await h.Pipeline.CreateContactAsync(c => c with
        {
            Addresses = new Dictionary<Channel, ContactAddress>(c.Addresses) { [Channel.WhatsApp] = new(c.Addresses[Channel.Sms].Value) },
        });
        var waId = contact.Addresses[Channel.WhatsApp].Value.TrimStart('+');
        var wamid = "wamid." + Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes($$$"""{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"123456123"},"contacts":[{"profile":{"name":"A"},"wa_id":"{{{waId}}}"}],"messages":[{"from":"{{{waId}}}","id":"{{{wamid}}}","timestamp":"{{{h.Clock.GetUtcNow().ToUnixTimeSeconds()}}}","type":"text","text":{"body":"STOP"}}]}}]}]}""");
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MetaSecret), body));
        InboundEvent Receive() => Assert.Single(MetaWebhook.VerifyAndParse(MetaSecret, body, signature, h.Clock.GetUtcNow()).Events);

        await h.ProcessAsync(Receive());
        await h.RunQueuesAsync();
        var published = h.AppEvents.Count;
        var sent = h.Pipeline.WhatsApp.Calls.Count;
        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.ProcessAsync(Receive());
        await h.RunQueuesAsync();

        Assert.Equal(published, h.AppEvents.Count);
        Assert.Equal(sent, h.Pipeline.WhatsApp.Calls.Count);
        Assert.Single((await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None))!);
        Assert.NotNull(await h.Events.ProcessedAtAsync("meta:" + wamid, None));
    }

    [Fact]
    public async Task UnknownReport_IsNotMarkedProcessed_SoItsRetryStillApplies()
    {
        var h = new InboundHarness(storage);
        var report = new InboundEvent
        {
            Id = "twilio:" + Sid() + ":delivered", Kind = InboundEventKind.Delivery, Provider = "twilio", Channel = Channel.Sms,
            ProviderMessageId = Sid(), Status = AttemptStatus.Delivered, OccurredAt = h.Clock.GetUtcNow(), ReceivedAt = h.Clock.GetUtcNow(),
        };

        await h.ProcessAsync(report);

        Assert.Null(await h.Events.ProcessedAtAsync(report.Id, None));
    }
}
