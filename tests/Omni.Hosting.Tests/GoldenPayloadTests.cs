using System.Text;
using Omni.Hosting;
using Omni.Hosting.Tests.Golden;

namespace Omni.Hosting.Tests;

/// <summary>
/// The handler's decoder and the DevHost's encoder against payloads written as the real Functions host writes them
/// (Golden/README.md gives the source of every rule), so the two cannot agree with each other and disagree with Azure.
/// </summary>
public class GoldenPayloadTests
{
    public static TheoryData<string> Fixtures =>
    [
        "binary-typed-properties.json",
        "binary-no-ttl.json",
        "binary-utf8-bom.json",
        "binary-invalid-utf8.json",
        "binary-metadata-formats.json",
        "string-double-encoded.json",
    ];

    private static readonly DateTimeOffset Enqueued = new(2026, 3, 1, 9, 41, 7, TimeSpan.Zero);

    [Fact]
    public void FromInvocationPayload_BinaryWithTypedProperties_DecodesBodyIdsTimesAndProperties()
    {
        var message = GoldenPayload.Decode("binary-typed-properties.json");

        Assert.Equal("""{"to":{"contactId":"c-1001"},"channel":"sms","text":"Your code is 4711"}""", message.BodyAsString());
        Assert.Equal("msg-01JNQ8ZK7Y:route", message.MessageId);
        Assert.Equal(2, message.DeliveryCount);
        Assert.Equal(118, message.SequenceNumber);
        Assert.Equal("req-7d1e", message.CorrelationId);
        Assert.Equal("message.requested", message.Subject);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("5c4b3a29-1807-4f6e-8d5c-4b3a29180706", message.LockToken);
        Assert.Equal(Enqueued, message.EnqueuedTime);
        Assert.Equal(Enqueued.AddDays(14), message.ExpiresAt);
        // The host writes DateTime, DateTimeOffset, Guid, byte[] and TimeSpan properties as JSON strings.
        Assert.Equal(new Dictionary<string, object?>
        {
            ["tenant"] = "t-001", ["attempt"] = 3L, ["urgent"] = true, ["score"] = 0.75,
            ["requestedAt"] = "2026-03-01T09:41:06.123Z", ["requestedAtLocal"] = "2026-03-01T10:41:06.123+01:00",
            ["traceId"] = "0f8fad5b-d9cb-469f-a165-70867728950e", ["signature"] = "AQID/w==", ["retryAfter"] = "00:05:00",
        }, message.ApplicationProperties);
    }

    [Fact]
    public void FromInvocationPayload_NoTimeToLive_ExpiresAtIsNeverExpires()
    {
        var message = GoldenPayload.Decode("binary-no-ttl.json");

        Assert.Equal(ServiceBusTriggerMessage.NeverExpires, message.ExpiresAt);
        Assert.Null(message.ContentType);
        Assert.Empty(message.ApplicationProperties);
    }

    [Fact]
    public void FromInvocationPayload_Utf8Bom_KeepsTheBomBytes()
    {
        var message = GoldenPayload.Decode("binary-utf8-bom.json");

        Assert.Equal([0xEF, 0xBB, 0xBF, .. "{\"text\":\"h\u00e9llo\"}"u8], message.Body.ToArray());
    }

    [Fact]
    public void FromInvocationPayload_InvalidUtf8_KeepsTheExactBytes()
    {
        var message = GoldenPayload.Decode("binary-invalid-utf8.json");

        Assert.Equal([.. "{\"a\":\""u8, 0xC3, 0x28, 0xFF, 0xFE, .. "\"}"u8], message.Body.ToArray());
    }

    [Fact]
    public void FromInvocationPayload_StringTrigger_UnwrapsTheDoubleEncodingAndSeesTheBodysMessageId()
    {
        var message = GoldenPayload.Decode("string-double-encoded.json");

        Assert.Equal("{\"orderId\":42,\"messageId\":\"body-wins\",\"urgent\":true,\"price\":1.5,\"customer\":{\"name\":\"Zo\u00eb\"}," +
            "\"tags\":[\"a\"],\"note\":null,\"line\":\"a\u2028b\\tc\"}", message.BodyAsString());
        // The host merged the body's "messageId" over the real MessageId: one reason Omni's triggers use binary.
        Assert.Equal("body-wins", message.MessageId);
        Assert.Equal("t-001", message.ApplicationProperties["tenant"]);
    }

    [Fact]
    public void FromInvocationPayload_MetadataFormats_DecodesQuotingLargeNumbersAndOptionalStrings()
    {
        var message = GoldenPayload.Decode("binary-metadata-formats.json");

        Assert.Equal("m:1/\u00fc", message.MessageId);
        Assert.Equal("a\"b\\c", message.Subject);
        Assert.Equal("line1\nline2", message.CorrelationId);
        Assert.Equal(10, message.DeliveryCount);
        Assert.Equal(72057594037927937, message.SequenceNumber);
        Assert.Equal("echo-replies", message.ReplyTo);
        Assert.Equal("omni", message.To);
        Assert.Equal("tenant-t1", message.SessionId);
        Assert.Equal("text/plain", message.ContentType);
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 23, 59, 59, TimeSpan.Zero), message.EnqueuedTime);
        Assert.Equal(new Dictionary<string, object?> { ["count"] = 9007199254740993L, ["ratio"] = -0.5, ["empty"] = "" },
            message.ApplicationProperties);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ToInvocationPayload_EquivalentMessage_WritesTheFixturesKeysAndFormats(string fixture)
    {
        var payload = Equivalent(fixture).ToInvocationPayload(GoldenPayload.Function(fixture), DateTimeOffset.UtcNow);

        Assert.Equal(GoldenPayload.MetadataShapes(GoldenPayload.Read(fixture)), GoldenPayload.MetadataShapes(payload));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ToInvocationPayload_EquivalentMessage_DecodesToTheFixturesValues(string fixture)
    {
        var function = GoldenPayload.Function(fixture);
        var payload = Equivalent(fixture).ToInvocationPayload(function, DateTimeOffset.UtcNow);

        AssertSameMessage(GoldenPayload.Decode(fixture), ServiceBusTriggerMessage.FromInvocationPayload(payload, function.Trigger));
    }

    /// <summary>
    /// The message the host received for each fixture. Decoding gives it back except where the host's encoding loses the
    /// type (application properties) or fills in a default (ExpiresAt without a time-to-live): those are spelled out.
    /// </summary>
    private static ServiceBusTriggerMessage Equivalent(string fixture) => fixture switch
    {
        "binary-typed-properties.json" => GoldenPayload.Decode(fixture) with
        {
            ApplicationProperties = new Dictionary<string, object?>
            {
                ["tenant"] = "t-001", ["attempt"] = 3, ["urgent"] = true, ["score"] = 0.75,
                ["requestedAt"] = new DateTime(2026, 3, 1, 9, 41, 6, 123, DateTimeKind.Utc),
                ["requestedAtLocal"] = new DateTimeOffset(2026, 3, 1, 10, 41, 6, 123, TimeSpan.FromHours(1)),
                ["traceId"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
                ["signature"] = new byte[] { 1, 2, 3, 255 },
                ["retryAfter"] = TimeSpan.FromMinutes(5),
            },
        },
        "binary-no-ttl.json" => GoldenPayload.Decode(fixture) with { ExpiresAt = null },
        "string-double-encoded.json" => GoldenPayload.Decode(fixture) with { MessageId = "3f0e-order-42" },
        _ => GoldenPayload.Decode(fixture),
    };

    private static void AssertSameMessage(ServiceBusTriggerMessage expected, ServiceBusTriggerMessage actual)
    {
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(
            (expected.MessageId, expected.DeliveryCount, expected.SequenceNumber, expected.CorrelationId, expected.SessionId, expected.Subject,
                expected.ContentType, expected.ReplyTo, expected.To, expected.LockToken, expected.EnqueuedTime, expected.ExpiresAt),
            (actual.MessageId, actual.DeliveryCount, actual.SequenceNumber, actual.CorrelationId, actual.SessionId, actual.Subject,
                actual.ContentType, actual.ReplyTo, actual.To, actual.LockToken, actual.EnqueuedTime, actual.ExpiresAt));
        Assert.Equal(expected.ApplicationProperties, actual.ApplicationProperties);
    }
}
