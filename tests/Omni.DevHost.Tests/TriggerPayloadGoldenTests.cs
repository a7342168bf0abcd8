using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Omni.DevHost.ServiceBus;
using Omni.Hosting.Tests.Golden;

namespace Omni.DevHost.Tests;

/// <summary>
/// What TriggerDispatcher posts for a delivered message (<c>QueuedMessage.ToTriggerMessage().ToInvocationPayload</c>)
/// against the golden host payloads: the same Metadata keys and value formats as the real host.
/// </summary>
public class TriggerPayloadGoldenTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 41, 7, TimeSpan.Zero));

    [Fact]
    public void ToInvocationPayload_QueueWithoutTimeToLive_SendsTheHostsNeverExpiresDates()
    {
        // Service Bus's own default TTL (TimeSpan.MaxValue), which infra/queues.json could leave in place.
        var queue = new EmulatedQueue(QueueSettings.Default("echo") with { DefaultMessageTimeToLive = TimeSpan.MaxValue }, _time);
        queue.Enqueue(new IncomingMessage { Body = "{\"ping\":1}"u8.ToArray(), MessageId = "echo-1" });

        var (payload, golden) = Deliver(queue, "binary-no-ttl.json");

        Assert.Equal(GoldenPayload.MetadataShapes(golden), GoldenPayload.MetadataShapes(payload));
        using var document = JsonDocument.Parse(payload);
        var metadata = document.RootElement.GetProperty("Metadata");
        Assert.Equal("9999-12-31T23:59:59", metadata.GetProperty("ExpiresAtUtc").GetString());
        Assert.Equal("9999-12-31T23:59:59+00:00", metadata.GetProperty("ExpiresAt").GetString());
    }

    [Fact]
    public void ToInvocationPayload_MessageWithTypedProperties_MatchesTheHostsKeysAndFormats()
    {
        var queue = new EmulatedQueue(QueueSettings.Default("outbound"), _time);
        queue.Enqueue(new IncomingMessage
        {
            Body = Encoding.UTF8.GetBytes("""{"channel":"sms"}"""),
            MessageId = "msg-1:route",
            ContentType = "application/json",
            CorrelationId = "req-7d1e",
            Subject = "message.requested",
            ApplicationProperties = new Dictionary<string, object?>
            {
                ["tenant"] = "t-001", ["attempt"] = 3L, ["urgent"] = true, ["score"] = 0.75,
                ["requestedAt"] = new DateTime(2026, 3, 1, 9, 41, 6, 123, DateTimeKind.Utc),
                ["requestedAtLocal"] = new DateTimeOffset(2026, 3, 1, 10, 41, 6, 123, TimeSpan.FromHours(1)),
                ["traceId"] = Guid.NewGuid(), ["signature"] = new byte[] { 1, 2, 3, 255 }, ["retryAfter"] = TimeSpan.FromMinutes(5),
            },
        });

        var (payload, golden) = Deliver(queue, "binary-typed-properties.json");

        Assert.Equal(GoldenPayload.MetadataShapes(golden), GoldenPayload.MetadataShapes(payload));
    }

    private (byte[] Payload, byte[] Golden) Deliver(EmulatedQueue queue, string fixture)
    {
        Assert.True(queue.TryLock(out var message));
        var payload = message.ToTriggerMessage().ToInvocationPayload(GoldenPayload.Function(fixture), _time.GetUtcNow());
        return (payload, GoldenPayload.Read(fixture));
    }
}
