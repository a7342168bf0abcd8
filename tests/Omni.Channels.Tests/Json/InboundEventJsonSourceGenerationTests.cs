using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Channels.Inbound;
using Omni.Core;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Json;

/// <summary>The <c>inbound</c> queue body is written and read through source-generated metadata only, byte for byte as before.</summary>
public class InboundEventJsonSourceGenerationTests
{
    [Fact]
    public void Options_ResolveInboundEventFromTheGeneratedContext_AndNothingElse()
    {
        Assert.Same(CoreJsonContext.Default, InboundEventJson.Options.TypeInfoResolver);
        InboundEventJson.Options.MakeReadOnly(); // as on first use: type infos are then the cached, configured ones
        Assert.Same(CoreJsonContext.Default, InboundEventJson.Options.GetTypeInfo(typeof(InboundEvent)).OriginatingResolver);
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.com"), InboundEventJson.Options));
    }

    [Fact]
    public void Serialize_SameBytesAsReflection_NullsLeftOut_EnumsLowerCase()
    {
        var inbound = new InboundEvent
        {
            Id = "twilio:SM1:received", Kind = InboundEventKind.Message, Provider = "twilio", Channel = Channel.Sms,
            ProviderMessageId = "SM1", From = "+447400123456", To = "+15550001111", Text = "Ja, gerne <3 — ñ",
            OccurredAt = DateTimeOffset.Parse("2025-04-05T06:07:08.9+02:00"), ReceivedAt = DateTimeOffset.Parse("2025-04-05T04:07:09Z"),
        };
        var reflected = new JsonSerializerOptions(InboundEventJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        var json = InboundEventJson.Serialize(inbound);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(inbound, reflected), json);
        var text = Encoding.UTF8.GetString(json);
        Assert.StartsWith("""{"id":"twilio:SM1:received","kind":"message","provider":"twilio","channel":"sms","providerMessageId":"SM1","from":""", text);
        Assert.DoesNotContain("\"status\"", text);
        Assert.Equal(inbound, InboundEventJson.Deserialize(json));
    }

    [Theory]
    [InlineData("""{"id":"acs:1","kind":"delivery","provider":"acs","channel":"email","status":"bounced"}""")]
    [InlineData("""{"id":"acs:1","kind":"delivery","provider":"acs"}""")]
    public void Deserialize_InvalidEvent_ThrowsLikeReflection(string json)
    {
        var reflected = new JsonSerializerOptions(InboundEventJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<InboundEvent>(json, reflected));
        Assert.Throws<JsonException>(() => InboundEventJson.Deserialize(Encoding.UTF8.GetBytes(json)));
    }
}
