using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Inbound;

public sealed class InboundCommonTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("abc", "abcd", false)]
    [InlineData("abc", "", false)]
    [InlineData("", "", false)]
    [InlineData(null, null, false)]
    [InlineData("abc", null, false)]
    public void SecretEquals_ComparesWholeValues(string? expected, string? presented, bool equal)
    {
        Assert.Equal(equal, WebhookCrypto.SecretEquals(expected, presented));
    }

    [Fact]
    public void HmacSha256Hex_KnownVector_Matches()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            WebhookCrypto.HmacSha256Hex("Jefe", "what do ya want for nothing?"u8));
    }

    [Fact]
    public void Create_ShortId_IsProviderAndParts()
    {
        Assert.Equal("twilio:SM1:delivered", InboundEventIds.Create("twilio", "SM1", "delivered"));
    }

    [Fact]
    public void Create_IdOverTheServiceBusLimit_IsAStableHash()
    {
        var longPart = new string('x', 200);

        var id = InboundEventIds.Create("meta", longPart, "read");

        Assert.True(id.Length <= InboundEventIds.MaxLength);
        Assert.StartsWith("meta:h:", id);
        Assert.Equal(id, InboundEventIds.Create("meta", longPart, "read"));
        Assert.NotEqual(id, InboundEventIds.Create("meta", longPart, "sent"));
    }

    [Theory]
    [InlineData("15555555555", "+15555555555")]
    [InlineData("+15555555555", "+15555555555")]
    [InlineData("whatsapp:+14158675309", "+14158675309")]
    [InlineData(" 447700900123 ", "+447700900123")]
    [InlineData("be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb", "be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Phone_ProviderForms_BecomeE164OrPassThrough(string? input, string? expected)
    {
        Assert.Equal(expected, ProviderAddresses.Phone(input));
    }

    [Fact]
    public void InboundEventJson_IsCamelCaseWithLowerCaseEnumsAndNoNulls()
    {
        var e = new InboundEvent
        {
            Id = "acs:1", Kind = InboundEventKind.Delivery, Provider = "acs", Channel = Channel.WhatsApp,
            ProviderMessageId = "m1", Status = AttemptStatus.Delivered,
            OccurredAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), ReceivedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero),
        };

        var json = System.Text.Encoding.UTF8.GetString(InboundEventJson.Serialize(e));

        Assert.Equal("""{"id":"acs:1","kind":"delivery","provider":"acs","channel":"whatsapp","providerMessageId":"m1","status":"delivered","occurredAt":"2026-01-02T03:04:05+00:00","receivedAt":"2026-01-02T03:04:06+00:00"}""", json);
        Assert.Equal(e, InboundEventJson.Deserialize(InboundEventJson.Serialize(e)));
    }

    [Fact]
    public void From_DuplicateIds_KeepsTheFirst()
    {
        InboundEvent Make(string text) => new()
        {
            Id = "chat:1", Kind = InboundEventKind.Message, Provider = "chat", Channel = Channel.InApp, Text = text,
        };

        var result = InboundParseResult.From([Make("first"), Make("second")], []);

        Assert.Equal("first", Assert.Single(result.Events).Text);
    }
}
