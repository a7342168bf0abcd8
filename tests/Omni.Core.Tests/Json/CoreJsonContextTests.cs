using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Core.Stats;

namespace Omni.Core.Tests.Json;

/// <summary>
/// The hot-path contracts resolve from <see cref="CoreJsonContext"/> without reflection, and the generated metadata
/// writes and reads exactly what the reflection resolver did with the same options.
/// </summary>
public class CoreJsonContextTests
{
    private static readonly JsonSerializerOptions Generated = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = CoreJsonContext.Default,
    };

    private static readonly JsonSerializerOptions Reflected = new(Generated) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    public static TheoryData<Type> ContractTypes() =>
    [
        typeof(MessageRequest), typeof(MessageRecord), typeof(SendStepCommand), typeof(EscalationCheck), typeof(InboundEvent),
        typeof(ConsentEvent), typeof(ConsentStatus), typeof(ChannelStatsReport),
        // reached through the contracts above
        typeof(MessageAttempt), typeof(PlannedStep), typeof(RenderedContent), typeof(TemplateReference), typeof(Channel),
        typeof(MessageStatus), typeof(AttemptStatus), typeof(InboundEventKind),
    ];

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void EveryContract_ResolvesFromTheGeneratedContext(Type type)
    {
        var info = Generated.GetTypeInfo(type);

        Assert.Same(CoreJsonContext.Default, info.OriginatingResolver);
    }

    [Fact]
    public void ATypeOutsideTheContext_FailsLoudly_InsteadOfReflecting()
    {
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.com"), Generated));
    }

    [Fact]
    public void MessageRecord_FullyPopulated_SameBytesAsReflection()
    {
        var record = SampleRecord();

        var generated = JsonSerializer.Serialize(record, Generated);

        Assert.Equal(JsonSerializer.Serialize(record, Reflected), generated);
        Assert.Contains("\"status\":\"sent\"", generated);
        Assert.Contains("\"content\":{\"sms\":", generated);
        Assert.DoesNotContain("\"reason\"", generated); // null left out
        var back = JsonSerializer.Deserialize<MessageRecord>(generated, Generated)!;
        Assert.Equal(generated, JsonSerializer.Serialize(back, Generated));
    }

    [Fact]
    public void QueueBodies_SameBytesAsReflection()
    {
        var inbound = new InboundEvent
        {
            Id = "acs:1", Kind = InboundEventKind.Delivery, Provider = "acs", Channel = Channel.WhatsApp, Status = AttemptStatus.Delivered,
            ProviderMessageId = "p-1", OccurredAt = DateTimeOffset.Parse("2025-03-01T10:00:00.123+01:00"), ReceivedAt = DateTimeOffset.Parse("2025-03-01T09:00:01Z"),
        };
        object[] bodies = [SampleRecord().Request, new SendStepCommand("m-1", 2), new EscalationCheck("m-1", 3), inbound];

        foreach (var body in bodies)
        {
            Assert.Equal(JsonSerializer.Serialize(body, body.GetType(), Reflected), JsonSerializer.Serialize(body, body.GetType(), Generated));
        }
    }

    [Theory]
    [InlineData("""{"MessageId":"m-1","STEP":"2"}""")] // case-insensitive names, numbers as strings (web defaults)
    [InlineData("""{"messageId":"m-1","step":2,"extra":true}""")] // unknown members skipped by these options
    public void SendStepCommand_LenientInput_ReadsLikeReflection(string json)
    {
        Assert.Equal(JsonSerializer.Deserialize<SendStepCommand>(json, Reflected), JsonSerializer.Deserialize<SendStepCommand>(json, Generated));
        Assert.Equal(new SendStepCommand("m-1", 2), JsonSerializer.Deserialize<SendStepCommand>(json, Generated));
    }

    [Theory]
    [InlineData("""{"id":"x","kind":"delivery","provider":"acs","channel":"pigeon"}""")] // unknown enum name
    [InlineData("""{"id":"x","provider":"acs","channel":"sms"}""")] // required member missing
    public void InboundEvent_InvalidInput_RejectedLikeReflection(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<InboundEvent>(json, Reflected));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<InboundEvent>(json, Generated));
    }

    private static MessageRecord SampleRecord()
    {
        using var data = JsonDocument.Parse("""{"name":"Zoë <b>","n":1.50}""");
        var request = new MessageRequest
        {
            Id = "m-1", ContactId = "c-1", Category = "transactional", Urgency = "high", Strategy = "escalate",
            Channels = ["sms", "email"], Tags = ["a"], SendAt = DateTimeOffset.Parse("2025-03-01T10:00:00+02:00"),
            To = new Dictionary<string, string> { ["sms"] = "+447400123456" },
            Content = new MessageContentRequest
            {
                Text = "Héllo <world> & \"you\"",
                Channels = new Dictionary<string, ChannelContentRequest> { ["sms"] = new() { Text = "short" } },
                Template = new TemplateReference { Id = "t", Locale = "en", Data = data.RootElement.Clone() },
            },
        };
        var at = DateTimeOffset.Parse("2025-03-01T10:00:00.5Z");
        return new MessageRecord
        {
            Id = "m-1", ContactId = "c-1", Request = request, RequestHash = "ab", Status = MessageStatus.Sent,
            AcceptedAt = at, UpdatedAt = at.AddSeconds(1), DeferUntil = null,
            Plan = [new PlannedStep(Channel.Sms, "+447400123456", TimeSpan.FromMinutes(5)), new PlannedStep(Channel.Email, "a@example.com")],
            Trace = ["Accepted.", "Routed <b>"],
            Content = new Dictionary<Channel, RenderedContent> { [Channel.Sms] = new RenderedContent("short", null, null) },
            Attempts =
            [
                new MessageAttempt
                {
                    Step = 0, Channel = Channel.Sms, Status = AttemptStatus.Sent, Provider = "acs", ProviderMessageId = "p-1",
                    Segments = 1, Cost = 0.0075m, Currency = "USD", StartedAt = at, EscalateAt = at.AddMinutes(5),
                    Tries = [new ProviderTry("acs", "accepted", at)],
                    History = [new AttemptStatusChange(AttemptStatus.Queued, at, "acs"), new AttemptStatusChange(AttemptStatus.Sent, at, "acs", "ok")],
                },
            ],
        };
    }
}
