using System.Text;
using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Inbound;

public sealed class TwilioWebhookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    // Official vector V8 (twilio-csharp RequestValidatorTest, twilio-python test_request_validator): params out of order on purpose.
    private const string Token = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string V8Signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string>[] V8Params =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("From", "+14158675309"),
        new("Digits", "1234"),
        new("To", "+18005551212"),
        new("Caller", "+14158675309"),
    ];

    // Official vector V9: JSON body.
    private const string V9Body = """{"property": "value", "boolean": true}""";
    private const string V9BodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    private const string V9Signature = "a9nBmqA0ju/hNViExpshrM61xv4=";

    [Fact]
    public void StringToSign_V8_IsUrlThenSortedKeyValuePairs()
    {
        Assert.Equal("https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
            TwilioWebhook.StringToSign(Url, V8Params));
    }

    [Fact]
    public void ComputeSignature_V8_MatchesTheOfficialVector()
    {
        Assert.Equal(V8Signature, TwilioWebhook.ComputeSignature(Token, Url, V8Params));
    }

    [Fact]
    public void IsValidFormRequest_V8_Accepts()
    {
        Assert.True(TwilioWebhook.IsValidFormRequest(Token, [Url], V8Params, V8Signature));
    }

    [Fact]
    public void IsValidFormRequest_TamperedParameter_Refuses()
    {
        var tampered = V8Params.Select(p => p.Key == "Digits" ? new KeyValuePair<string, string>("Digits", "9999") : p).ToList();

        Assert.False(TwilioWebhook.IsValidFormRequest(Token, [Url], tampered, V8Signature));
    }

    [Fact]
    public void IsValidFormRequest_AddedParameter_Refuses()
    {
        Assert.False(TwilioWebhook.IsValidFormRequest(Token, [Url], [.. V8Params, new("Body", "x")], V8Signature));
    }

    [Theory]
    [InlineData("54321", V8Signature)]
    [InlineData(Token, "")]
    [InlineData(Token, null)]
    [InlineData("", V8Signature)]
    [InlineData(null, V8Signature)]
    [InlineData(Token, "RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    public void IsValidFormRequest_WrongTokenOrSignature_Refuses(string? token, string? signature)
    {
        Assert.False(TwilioWebhook.IsValidFormRequest(token, [Url], V8Params, signature));
    }

    [Fact]
    public void IsValidFormRequest_OtherUrl_Refuses()
    {
        Assert.False(TwilioWebhook.IsValidFormRequest(Token, ["https://mycompany.com/myapp.php?foo=1&bar=3"], V8Params, V8Signature));
    }

    [Fact]
    public void IsValidFormRequest_AnyCandidateUrlMatching_Accepts()
    {
        Assert.True(TwilioWebhook.IsValidFormRequest(Token, ["http://127.0.0.1:7071/api/webhooks/twilio", Url], V8Params, V8Signature));
    }

    [Fact]
    public void IsValidFormRequest_SignedWithDefaultPort_AcceptsTheUrlWithoutIt()
    {
        // Twilio sometimes signs https://host:443/...; the rebuilt URL has no port.
        var signedWithPort = TwilioWebhook.ComputeSignature(Token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", V8Params);

        Assert.NotEqual(V8Signature, signedWithPort);
        Assert.True(TwilioWebhook.IsValidFormRequest(Token, [Url], V8Params, signedWithPort));
    }

    [Fact]
    public void IsValidFormRequest_SignedWithoutPort_AcceptsTheUrlWithIt()
    {
        Assert.True(TwilioWebhook.IsValidFormRequest(Token, ["https://mycompany.com:443/myapp.php?foo=1&bar=2"], V8Params, V8Signature));
    }

    [Fact]
    public void IsValidFormRequest_HttpDefaultPort80_IsAVariantToo()
    {
        var signed = TwilioWebhook.ComputeSignature(Token, "http://mycompany.com:80/myapp.php", V8Params);

        Assert.True(TwilioWebhook.IsValidFormRequest(Token, ["http://mycompany.com/myapp.php"], V8Params, signed));
    }

    [Fact]
    public void IsValidFormRequest_NonDefaultPort_IsNotDropped()
    {
        var signed = TwilioWebhook.ComputeSignature(Token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", V8Params);

        Assert.False(TwilioWebhook.IsValidFormRequest(Token, [Url], V8Params, signed));
    }

    [Theory]
    [InlineData("https://mycompany.com/myapp.php?foo=1&bar=2", "https://mycompany.com:443/myapp.php?foo=1&bar=2")]
    [InlineData("https://mycompany.com:443/a", "https://mycompany.com/a")]
    [InlineData("http://mycompany.com", "http://mycompany.com:80")]
    [InlineData("https://user:pass@mycompany.com/a", "https://user:pass@mycompany.com:443/a")]
    public void PortVariants_AddOrRemoveTheDefaultPort(string url, string other)
    {
        Assert.Equal([url, other], TwilioWebhook.PortVariants(url));
    }

    [Fact]
    public void Sha256Hex_V9Body_MatchesTheOfficialHash()
    {
        Assert.Equal(V9BodyHash, WebhookCrypto.Sha256Hex(Encoding.UTF8.GetBytes(V9Body)));
    }

    [Fact]
    public void IsValidJsonRequest_V9_Accepts()
    {
        Assert.True(TwilioWebhook.IsValidJsonRequest(Token, [Url + "&bodySHA256=" + V9BodyHash], Encoding.UTF8.GetBytes(V9Body), V9Signature));
    }

    [Fact]
    public void IsValidJsonRequest_TamperedBody_Refuses()
    {
        Assert.False(TwilioWebhook.IsValidJsonRequest(Token, [Url + "&bodySHA256=" + V9BodyHash],
            Encoding.UTF8.GetBytes("""{"property": "value", "boolean": false}"""), V9Signature));
    }

    [Fact]
    public void IsValidJsonRequest_UrlWithoutBodyHash_Refuses()
    {
        var signature = TwilioWebhook.ComputeSignature(Token, Url, []);

        Assert.False(TwilioWebhook.IsValidJsonRequest(Token, [Url], Encoding.UTF8.GetBytes(V9Body), signature));
    }

    [Fact]
    public void IsValidJsonRequest_WrongToken_Refuses()
    {
        Assert.False(TwilioWebhook.IsValidJsonRequest("54321", [Url + "&bodySHA256=" + V9BodyHash], Encoding.UTF8.GetBytes(V9Body), V9Signature));
    }

    [Fact]
    public void ParseForm_DecodesPlusAndPercentEscapes_KeepingOrder()
    {
        var form = TwilioWebhook.ParseForm("From=%2B14158675309&Body=Hello+w%C3%B6rld%21&Empty=&Flag"u8)!;

        Assert.Equal([new("From", "+14158675309"), new("Body", "Hello wörld!"), new("Empty", ""), new("Flag", "")], form);
    }

    [Fact]
    public void ParseForm_InvalidUtf8_IsNull()
    {
        Assert.Null(TwilioWebhook.ParseForm([0x42, 0x3D, 0xFF, 0xFE]));
    }

    [Fact]
    public void FormBody_SignedAsTwilioDoes_RoundTrips()
    {
        var body = "To=%2B18005551212&From=%2B14158675309&Body=Hi+there&MessageSid=SM0123456789abcdef0123456789abcdef"u8.ToArray();
        var parameters = TwilioWebhook.ParseForm(body)!;
        var signature = TwilioWebhook.ComputeSignature(Token, "https://omni.example/api/webhooks/twilio", parameters);

        Assert.True(TwilioWebhook.IsValidFormRequest(Token, ["https://omni.example/api/webhooks/twilio"], parameters, signature));
    }

    [Fact]
    public void Parse_InboundSms_IsAnSmsMessage()
    {
        var result = TwilioWebhook.Parse(
        [
            new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            new("From", "+14158675309"), new("To", "+18005551212"), new("Body", "STOP"), new("NumMedia", "0"),
        ], Now);

        var e = Assert.Single(result.Events);
        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.Equal("twilio:SM0123456789abcdef0123456789abcdef", e.Id);
        Assert.Equal(InboundEventKind.Message, e.Kind);
        Assert.Equal("twilio", e.Provider);
        Assert.Equal(Channel.Sms, e.Channel);
        Assert.Equal("+14158675309", e.From);
        Assert.Equal("+18005551212", e.To);
        Assert.Equal("STOP", e.Text);
        Assert.Equal("SM0123456789abcdef0123456789abcdef", e.ProviderMessageId);
        Assert.Equal(Now, e.OccurredAt);
    }

    [Fact]
    public void Parse_WhatsAppPrefix_IsAWhatsAppMessageWithTheBareNumber()
    {
        var result = TwilioWebhook.Parse(
        [
            new("MessageSid", "SM1"), new("From", "whatsapp:+14158675309"), new("To", "whatsapp:+18005551212"), new("Body", "hola"),
        ], Now);

        var e = Assert.Single(result.Events);
        Assert.Equal(Channel.WhatsApp, e.Channel);
        Assert.Equal("+14158675309", e.From);
        Assert.Equal("+18005551212", e.To);
    }

    [Theory]
    [InlineData("queued", AttemptStatus.Queued)]
    [InlineData("sending", AttemptStatus.Sent)]
    [InlineData("sent", AttemptStatus.Sent)]
    [InlineData("delivered", AttemptStatus.Delivered)]
    [InlineData("undelivered", AttemptStatus.Failed)]
    [InlineData("failed", AttemptStatus.Failed)]
    [InlineData("read", AttemptStatus.Read)]
    public void Parse_StatusCallback_IsADeliveryIdentifiedBySidAndStatus(string status, AttemptStatus expected)
    {
        var result = TwilioWebhook.Parse(
        [
            new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("MessageStatus", status),
            new("From", "+18005551212"), new("To", "+14158675309"), new("AccountSid", "AC1"),
        ], Now);

        var e = Assert.Single(result.Events);
        Assert.Equal($"twilio:SM0123456789abcdef0123456789abcdef:{status}", e.Id);
        Assert.Equal(InboundEventKind.Delivery, e.Kind);
        Assert.Equal(expected, e.Status);
        Assert.Equal("SM0123456789abcdef0123456789abcdef", e.ProviderMessageId);
        Assert.Null(e.From);
        Assert.Null(e.Text);
    }

    [Fact]
    public void Parse_FailedStatusCallback_CarriesTheErrorCodeAndMessage()
    {
        var result = TwilioWebhook.Parse(
        [
            new("MessageSid", "SM1"), new("MessageStatus", "undelivered"), new("ErrorCode", "30003"), new("ErrorMessage", "Unreachable destination handset"),
        ], Now);

        Assert.Equal("30003: Unreachable destination handset", Assert.Single(result.Events).Error);
    }

    [Fact]
    public void Parse_WhatsAppStatusCallback_IsOnTheWhatsAppChannel()
    {
        var result = TwilioWebhook.Parse([new("MessageSid", "SM1"), new("MessageStatus", "read"), new("To", "whatsapp:+14158675309")], Now);

        Assert.Equal(Channel.WhatsApp, Assert.Single(result.Events).Channel);
    }

    [Theory]
    [InlineData("receiving")]
    [InlineData("canceled")]
    public void Parse_UnsupportedStatus_IsIgnored(string status)
    {
        var result = TwilioWebhook.Parse([new("MessageSid", "SM1"), new("MessageStatus", status)], Now);

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
        Assert.Contains(status, Assert.Single(result.Ignored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("SM 1")]
    [InlineData("SM1/../x")]
    public void Parse_MissingOrOddMessageSid_IsMalformed(string? sid)
    {
        List<KeyValuePair<string, string>> parameters = [new("From", "+14158675309"), new("Body", "x")];
        if (sid is not null)
        {
            parameters.Add(new("MessageSid", sid));
        }

        Assert.Equal(InboundOutcome.Malformed, TwilioWebhook.Parse(parameters, Now).Outcome);
    }

    [Fact]
    public void Parse_SameStatusCallbackTwice_HasTheSameId()
    {
        KeyValuePair<string, string>[] callback = [new("MessageSid", "SM1"), new("MessageStatus", "delivered")];

        Assert.Equal(TwilioWebhook.Parse(callback, Now).Events[0].Id, TwilioWebhook.Parse(callback, Now.AddMinutes(3)).Events[0].Id);
    }

    [Fact]
    public void ParseJsonParameters_FlatObject_GivesItsScalars()
    {
        var parameters = TwilioWebhook.ParseJsonParameters(Encoding.UTF8.GetBytes(V9Body))!;

        Assert.Equal([new("property", "value"), new("boolean", "true")], parameters);
        Assert.Null(TwilioWebhook.ParseJsonParameters("[1]"u8.ToArray()));
        Assert.Null(TwilioWebhook.ParseJsonParameters("nope"u8.ToArray()));
    }

    [Fact]
    public void Parse_StatusCallback_WithOmniHintsInTheSignedQuery_CarriesMessageAndStep()
    {
        var result = TwilioWebhook.Parse([new("MessageSid", "SM1"), new("MessageStatus", "sent")], Now, [new("m", "01JD7-abc"), new("s", "2")]);

        var e = Assert.Single(result.Events);
        Assert.Equal(("01JD7-abc", 2), (e.OmniMessageId, e.OmniStep));
        Assert.Equal("twilio:SM1:sent", e.Id);
    }

    [Theory]
    [InlineData("m", "01JD7-abc", "x", "2")]
    [InlineData("m", "bad id!", "s", "2")]
    [InlineData("m", "01JD7-abc", "s", "two")]
    public void Parse_StatusCallback_WithIncompleteOrOddHints_HasNone(string k1, string v1, string k2, string v2)
    {
        var e = Assert.Single(TwilioWebhook.Parse([new("MessageSid", "SM1"), new("MessageStatus", "sent")], Now, [new(k1, v1), new(k2, v2)]).Events);

        Assert.Null(e.OmniMessageId);
        Assert.Null(e.OmniStep);
    }

    [Fact]
    public void Parse_Hints_AreNeverTakenFromTheBody_NorAddedToInboundMessages()
    {
        var fromBody = Assert.Single(TwilioWebhook.Parse([new("MessageSid", "SM1"), new("MessageStatus", "sent"), new("m", "01JD7-abc"), new("s", "0")], Now).Events);
        var inbound = Assert.Single(TwilioWebhook.Parse([new("MessageSid", "SM2"), new("From", "+14158675309"), new("Body", "hi")], Now, [new("m", "01JD7-abc"), new("s", "0")]).Events);

        Assert.Null(fromBody.OmniMessageId);
        Assert.Equal(InboundEventKind.Message, inbound.Kind);
        Assert.Null(inbound.OmniMessageId);
        Assert.Null(inbound.OmniStep);
    }
}
