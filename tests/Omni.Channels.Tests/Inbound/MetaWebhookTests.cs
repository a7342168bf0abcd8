using System.Security.Cryptography;
using System.Text;
using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Inbound;

public sealed class MetaWebhookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private const string AppSecret = "meta-app-secret-for-tests";

    // Computed here with the BCL directly, independent of the code under test.
    private static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)).ToLowerInvariant();

    private static InboundParseResult Post(string body, string? secret = AppSecret, string? signature = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return MetaWebhook.VerifyAndParse(secret, bytes, signature ?? Sign(AppSecret, bytes), Now);
    }

    [Fact]
    public void VerifySubscription_DocumentedRequest_EchoesTheChallenge()
    {
        Assert.Equal("1158201444", MetaWebhook.VerifySubscription("meatyhamhock", "subscribe", "meatyhamhock", "1158201444"));
    }

    [Theory]
    [InlineData("meatyhamhock", "subscribe", "wrong", "1158201444")]
    [InlineData("meatyhamhock", "unsubscribe", "meatyhamhock", "1158201444")]
    [InlineData("meatyhamhock", "subscribe", "meatyhamhock", "")]
    [InlineData(null, "subscribe", "", "1158201444")]
    [InlineData("", "subscribe", "", "1158201444")]
    [InlineData("meatyhamhock", "subscribe", null, "1158201444")]
    public void VerifySubscription_WrongModeTokenOrChallenge_IsRefused(string? configured, string? mode, string? token, string? challenge)
    {
        Assert.Null(MetaWebhook.VerifySubscription(configured, mode, token, challenge));
    }

    [Fact]
    public void VerifyAndParse_DashboardTestTextMessage_IsAWhatsAppMessage()
    {
        var result = Post(ProviderSamples.MetaWhatsAppText);

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        var e = Assert.Single(result.Events);
        Assert.Equal("meta:ABGGFlA5Fpa", e.Id);
        Assert.Equal(InboundEventKind.Message, e.Kind);
        Assert.Equal("meta", e.Provider);
        Assert.Equal(Channel.WhatsApp, e.Channel);
        Assert.Equal("+16315551181", e.From);
        Assert.Equal("+16505551111", e.To);
        Assert.Equal("this is a text message", e.Text);
        Assert.Equal("ABGGFlA5Fpa", e.ProviderMessageId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1504902988), e.OccurredAt);
        Assert.Equal(Now, e.ReceivedAt);
    }

    [Fact]
    public void VerifyAndParse_CapturedStatus_IsASentDelivery()
    {
        var result = Post(ProviderSamples.MetaWhatsAppStatus);

        var e = Assert.Single(result.Events);
        Assert.Equal("meta:wamid.HBgLNjAxNzM1MjYyMzMVAgARGBJCNkY5NTBENEU3ODYxQTM3RUQA:sent", e.Id);
        Assert.Equal(InboundEventKind.Delivery, e.Kind);
        Assert.Equal(AttemptStatus.Sent, e.Status);
        Assert.Equal("wamid.HBgLNjAxNzM1MjYyMzMVAgARGBJCNkY5NTBENEU3ODYxQTM3RUQA", e.ProviderMessageId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1694492482), e.OccurredAt);
        Assert.Null(e.From);
    }

    [Fact]
    public void VerifyAndParse_TamperedBody_IsUnauthorized()
    {
        var signed = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);
        var tampered = ProviderSamples.MetaWhatsAppText.Replace("this is a text message", "this is a text messagE");

        var result = MetaWebhook.VerifyAndParse(AppSecret, Encoding.UTF8.GetBytes(tampered), Sign(AppSecret, signed), Now);

        Assert.Equal(InboundOutcome.Unauthorized, result.Outcome);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void VerifyAndParse_ReserialisedBody_IsUnauthorized()
    {
        // Meta signs the bytes as sent; the same JSON with different whitespace is not the same request.
        var signed = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);
        var reformatted = ProviderSamples.MetaWhatsAppText.Replace(",", ", ");

        Assert.Equal(InboundOutcome.Unauthorized, MetaWebhook.VerifyAndParse(AppSecret, Encoding.UTF8.GetBytes(reformatted), Sign(AppSecret, signed), Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_WrongSecret_IsUnauthorized()
    {
        var bytes = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);

        Assert.Equal(InboundOutcome.Unauthorized, MetaWebhook.VerifyAndParse(AppSecret, bytes, Sign("another-secret", bytes), Now).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")]
    [InlineData("sha256=")]
    [InlineData("sha256=zz")]
    public void VerifyAndParse_MissingOrOddHeader_IsUnauthorized(string? header)
    {
        var bytes = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);

        Assert.Equal(InboundOutcome.Unauthorized, MetaWebhook.VerifyAndParse(AppSecret, bytes, header, Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_NoAppSecretConfigured_IsUnauthorized()
    {
        var bytes = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);

        Assert.Equal(InboundOutcome.Unauthorized, MetaWebhook.VerifyAndParse(null, bytes, Sign("", bytes), Now).Outcome);
    }

    [Fact]
    public void IsValidSignature_UpperCaseHex_IsAccepted()
    {
        var bytes = Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppText);
        var upper = "sha256=" + Sign(AppSecret, bytes)["sha256=".Length..].ToUpperInvariant();

        Assert.True(MetaWebhook.IsValidSignature(AppSecret, bytes, upper));
    }

    [Fact]
    public void Parse_ManyMessagesAndStatusesInOnePost_GivesOneEventEach()
    {
        const string body = """
            {"object":"whatsapp_business_account","entry":[
              {"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"1"},
                "messages":[{"from":"16315551181","id":"wamid.A","timestamp":"1504902988","type":"text","text":{"body":"one"}},
                            {"from":"16315551182","id":"wamid.B","timestamp":"1504902989","type":"button","button":{"text":"Yes","payload":"y"}}],
                "statuses":[{"id":"wamid.C","status":"failed","timestamp":"1694492482","recipient_id":"60173526233","errors":[{"code":131026,"title":"Message undeliverable"}]}]}}]},
              {"id":"2","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"1"},
                "statuses":[{"id":"wamid.D","status":"read","timestamp":"1694492483","recipient_id":"60173526233"},
                            {"id":"wamid.E","status":"deleted","timestamp":"1694492484"}]}}]}
            ]}
            """;

        var result = MetaWebhook.Parse(Encoding.UTF8.GetBytes(body), Now);

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.Equal(["meta:wamid.A", "meta:wamid.B", "meta:wamid.C:failed", "meta:wamid.D:read"], result.Events.Select(e => e.Id));
        Assert.Equal("Yes", result.Events[1].Text);
        Assert.Equal("131026: Message undeliverable", result.Events[2].Error);
        Assert.Equal(AttemptStatus.Read, result.Events[3].Status);
        Assert.Contains("deleted", Assert.Single(result.Ignored));
    }

    [Theory]
    [InlineData("page", "messenger")]
    [InlineData("instagram", "instagram")]
    public void Parse_MessengerAndInstagramMessages_AreInAppWithThePlatformInTheId(string kind, string platform)
    {
        var body = """
            {"object":"KIND","entry":[{"id":"PAGE_ID","time":1458692752478,"messaging":[
              {"sender":{"id":"USER_PSID"},"recipient":{"id":"PAGE_ID"},"timestamp":1458692752478,"message":{"mid":"m_abc","text":"hello, world!"}},
              {"sender":{"id":"PAGE_ID"},"recipient":{"id":"USER_PSID"},"timestamp":1458692752479,"message":{"mid":"m_echo","is_echo":true,"text":"our reply"}},
              {"sender":{"id":"USER_PSID"},"recipient":{"id":"PAGE_ID"},"timestamp":1458692752480,"read":{"watermark":1458668856253}}
            ]}]}
            """.Replace("KIND", kind);

        var result = MetaWebhook.Parse(Encoding.UTF8.GetBytes(body), Now);

        var e = Assert.Single(result.Events);
        Assert.Equal($"meta:{platform}:m_abc", e.Id);
        Assert.Equal(Channel.InApp, e.Channel);
        Assert.Equal("meta", e.Provider);
        Assert.Equal("USER_PSID", e.From);
        Assert.Equal("PAGE_ID", e.To);
        Assert.Equal("hello, world!", e.Text);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1458692752478), e.OccurredAt);
        Assert.Equal(2, result.Ignored.Count); // the echo and the read receipt
    }

    [Fact]
    public void Parse_UnsupportedObjectOrField_IsIgnored()
    {
        Assert.Equal(InboundOutcome.Ignored, MetaWebhook.Parse("""{"object":"user","entry":[{"id":"1"}]}"""u8.ToArray(), Now).Outcome);
        Assert.Equal(InboundOutcome.Ignored, MetaWebhook.Parse(
            """{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{}}]}]}"""u8.ToArray(), Now).Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("""{"entry":[]}""")]
    [InlineData("""{"object":"page","entry":{}}""")]
    public void Parse_Malformed_IsMalformed(string body)
    {
        Assert.Equal(InboundOutcome.Malformed, MetaWebhook.Parse(Encoding.UTF8.GetBytes(body), Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_MalformedButSigned_IsMalformed()
    {
        Assert.Equal(InboundOutcome.Malformed, Post("{not json").Outcome);
    }

    [Fact]
    public void Parse_SameNotificationTwice_GivesTheSameIds()
    {
        var first = MetaWebhook.Parse(Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppStatus), Now);
        var retry = MetaWebhook.Parse(Encoding.UTF8.GetBytes(ProviderSamples.MetaWhatsAppStatus), Now.AddHours(1));

        Assert.Equal(first.Events.Select(e => e.Id), retry.Events.Select(e => e.Id));
    }
}
