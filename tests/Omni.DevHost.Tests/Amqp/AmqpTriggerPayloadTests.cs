using System.Text;
using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using Omni.DevHost.ServiceBus;
using Omni.Hosting.Tests.Golden;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>
/// A message sent with the SDK over AMQP reaches a trigger exactly as the same message sent over REST does (body,
/// broker properties, typed user properties), and both match the golden host payload's keys and formats.
/// </summary>
public class AmqpTriggerPayloadTests
{
    private static readonly DateTime RequestedAt = new(2026, 3, 1, 9, 41, 6, 123, DateTimeKind.Utc);
    private static readonly Guid TraceId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public async Task AmqpSentMessage_GivesTheSameTriggerPayloadAsTheRestSentOne()
    {
        await using var fixture = new AmqpFrontFixture(QueueSettings.Default("outbound"), QueueSettings.Default("rest"));
        await using var sender = fixture.Client.CreateSender("outbound");
        var body = """{"to":{"contactId":"c-1001"},"channel":"sms","text":"Your code is 4711"}""";
        var sent = new ServiceBusMessage(Encoding.UTF8.GetBytes(body))
        {
            MessageId = "msg-01JNQ8ZK7Y:route", ContentType = "application/json", CorrelationId = "req-7d1e",
            Subject = "message.requested", ReplyTo = "replies", To = "router",
        };
        foreach (var (key, value) in Properties())
        {
            sent.ApplicationProperties[key] = value;
        }
        await sender.SendMessageAsync(sent, AmqpFrontFixture.Bounded());
        // What the REST side makes of the same send (ServiceBusEmulator's parse gives an IncomingMessage like this).
        fixture.Queue("rest").Enqueue(new IncomingMessage
        {
            Body = Encoding.UTF8.GetBytes(body), MessageId = sent.MessageId, ContentType = sent.ContentType,
            CorrelationId = sent.CorrelationId, Subject = sent.Subject, ReplyTo = sent.ReplyTo, To = sent.To,
            ApplicationProperties = Properties(),
        });

        var viaAmqp = Payload(fixture.Queue("outbound"));
        var viaRest = Payload(fixture.Queue("rest"));

        Assert.Equal(GoldenPayload.MetadataShapes(GoldenPayload.Read("binary-typed-properties.json")).Keys.Except(["SessionId"]),
            GoldenPayload.MetadataShapes(viaAmqp).Keys.Except(["ReplyTo", "To"]));
        Assert.Equal(Comparable(viaRest), Comparable(viaAmqp));
        var properties = JsonNode.Parse(viaAmqp)!["Metadata"]!["UserProperties"]!;
        Assert.Equal(3, properties["attempt"]!.GetValue<long>());
        Assert.Equal("2026-03-01T09:41:06.123Z", properties["requestedAt"]!.GetValue<string>());
        Assert.Equal("AQID/w==", properties["signature"]!.GetValue<string>());
        Assert.Equal("00:05:00", properties["retryAfter"]!.GetValue<string>());
    }

    private static Dictionary<string, object?> Properties() => new()
    {
        ["tenant"] = "t-001", ["attempt"] = 3L, ["urgent"] = true, ["score"] = 0.75, ["requestedAt"] = RequestedAt,
        // UTC: the SDK sends a DateTimeOffset as its UTC ticks, so a receiver (the host too) gets it back at offset zero.
        ["requestedAtLocal"] = new DateTimeOffset(RequestedAt), ["traceId"] = TraceId, ["signature"] = new byte[] { 1, 2, 3, 255 },
        ["retryAfter"] = TimeSpan.FromMinutes(5),
    };

    private static byte[] Payload(EmulatedQueue queue)
    {
        Assert.True(queue.TryLock(out var message));
        return message.ToTriggerMessage().ToInvocationPayload(GoldenPayload.Function("binary-typed-properties.json"), DateTimeOffset.UnixEpoch);
    }

    /// <summary>The payload without what differs between any two deliveries (lock token, times, sequence number, client id, random guid).</summary>
    private static string Comparable(byte[] payload)
    {
        var root = JsonNode.Parse(payload)!;
        var metadata = root["Metadata"]!.AsObject();
        foreach (var key in new[] { "LockToken", "EnqueuedTimeUtc", "EnqueuedTime", "ExpiresAtUtc", "ExpiresAt", "SequenceNumber", "Client", "sys" })
        {
            Assert.True(metadata.Remove(key), $"no {key} in the payload");
        }
        return root.ToJsonString();
    }
}
