using System.Text;
using Azure.Messaging.ServiceBus;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>The official .NET SDK's sender against the DevHost's AMQP front: what lands in the emulated queue.</summary>
public class AmqpSendTests
{
    [Fact]
    public async Task SendMessageAsync_OneMessage_LandsInTheQueueWithItsProperties()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        var message = new ServiceBusMessage(Encoding.UTF8.GetBytes("""{"channel":"sms"}"""))
        {
            MessageId = "msg-1:route",
            ContentType = "application/json",
            CorrelationId = "req-7d1e",
            Subject = "message.requested",
            ApplicationProperties = { ["tenant"] = "t-001", ["attempt"] = 3L, ["urgent"] = true, ["score"] = 0.75 },
        };

        await sender.SendMessageAsync(message, AmqpFrontFixture.Bounded());

        var queue = fixture.Queue("outbound");
        Assert.True(queue.TryLock(out var held));
        Assert.Equal("""{"channel":"sms"}""", Encoding.UTF8.GetString(held.Message.Body));
        Assert.Equal("msg-1:route", held.MessageId);
        Assert.Equal("application/json", held.Message.ContentType);
        Assert.Equal("req-7d1e", held.Message.CorrelationId);
        Assert.Equal("message.requested", held.Message.Subject);
        Assert.Equal("t-001", held.Message.ApplicationProperties["tenant"]);
        Assert.Equal(3L, held.Message.ApplicationProperties["attempt"]);
        Assert.Equal(true, held.Message.ApplicationProperties["urgent"]);
        Assert.Equal(0.75, held.Message.ApplicationProperties["score"]);
    }
}

/// <summary>Batches, scheduling, duplicate detection and refusals, as the SDK meets them.</summary>
public class AmqpSendRulesTests
{
    [Fact]
    public async Task SendMessagesAsync_Batch_EnqueuesEveryMessageInOrderWithItsOwnProperties()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        using var batch = await sender.CreateMessageBatchAsync(AmqpFrontFixture.Bounded());
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(batch.TryAddMessage(new ServiceBusMessage($"body-{i}") { MessageId = $"b-{i}", ApplicationProperties = { ["index"] = i } }));
        }

        await sender.SendMessagesAsync(batch, AmqpFrontFixture.Bounded());

        var held = fixture.Queue("outbound").Snapshot(includeBodies: true).Messages;
        Assert.Equal(["b-1", "b-2", "b-3"], held.Select(m => m.MessageId));
        Assert.Equal(["body-1", "body-2", "body-3"], held.Select(m => m.Body));
        Assert.Equal([1, 2, 3], held.Select(m => m.ApplicationProperties["index"]));
    }

    [Fact]
    public async Task SendMessageAsync_WithScheduledEnqueueTime_ArrivesAtItsTimeNotBefore()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        await using var receiver = fixture.Client.CreateReceiver("outbound");
        var at = DateTimeOffset.UtcNow.AddSeconds(3);

        await sender.SendMessageAsync(new ServiceBusMessage("later") { MessageId = "s-1", ScheduledEnqueueTime = at }, AmqpFrontFixture.Bounded());

        Assert.Equal(1, fixture.Queue("outbound").Snapshot(false).Scheduled);
        var early = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1), AmqpFrontFixture.Bounded());
        Assert.Null(early);
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(15), AmqpFrontFixture.Bounded());
        Assert.NotNull(message);
        Assert.True(DateTimeOffset.UtcNow >= at.AddMilliseconds(-5), "delivered before its scheduled time");
        Assert.Equal("later", message.Body.ToString());
        Assert.Equal(at.ToUnixTimeSeconds(), message.ScheduledEnqueueTime.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task SendMessageAsync_AmqpValueBody_ComesBackAsTheSameValueSection()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        await using var receiver = fixture.Client.CreateReceiver("outbound");
        var annotated = new global::Azure.Core.Amqp.AmqpAnnotatedMessage(global::Azure.Core.Amqp.AmqpMessageBody.FromValue("a value body"));
        annotated.Properties.MessageId = new global::Azure.Core.Amqp.AmqpMessageId("v-1");

        await sender.SendMessageAsync(new ServiceBusMessage(annotated), AmqpFrontFixture.Bounded());
        var received = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), AmqpFrontFixture.Bounded());

        Assert.NotNull(received);
        Assert.Equal(global::Azure.Core.Amqp.AmqpMessageBodyType.Value, received.GetRawAmqpMessage().Body.BodyType);
        Assert.True(received.GetRawAmqpMessage().Body.TryGetValue(out var value));
        Assert.Equal("a value body", value);
        // What the queue (and so a trigger) holds as the body bytes: the string's UTF-8.
        Assert.Equal("a value body", fixture.Queue("outbound").Snapshot(includeBodies: true).Messages.Single().Body);
    }

    [Fact]
    public async Task SendMessageAsync_SameMessageIdTwice_TheDuplicateIsDropped()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");

        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "dup-1" }, AmqpFrontFixture.Bounded());
        await sender.SendMessageAsync(new ServiceBusMessage("second") { MessageId = "dup-1" }, AmqpFrontFixture.Bounded());

        var snapshot = fixture.Queue("outbound").Snapshot(includeBodies: true);
        Assert.Equal("first", Assert.Single(snapshot.Messages).Body);
        Assert.Equal(1, snapshot.Duplicates);
    }

    [Fact]
    public async Task SendMessageAsync_WrongKey_ThrowsUnauthorizedAccessException()
    {
        await using var fixture = new AmqpFrontFixture();
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not-the-devhost-key-not-the-devhost-key"));
        await using var client = AmqpFrontFixture.NewClient(fixture.Front.ConnectionString.Replace(ServiceBusEmulator.Key, wrongKey));
        await using var sender = client.CreateSender("outbound");

        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(new ServiceBusMessage("x"), AmqpFrontFixture.Bounded()));

        Assert.Contains("signature", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(fixture.Queue("outbound").Snapshot(false).Messages);
    }

    [Fact]
    public async Task SendMessageAsync_UnknownQueue_FailsWithEntityNotFound()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("nowhere");

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("x"), AmqpFrontFixture.Bounded()));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    [Fact]
    public async Task SendMessageAsync_ToATopicSubscriptionPath_FailsFastSayingItIsNotSupported()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var receiver = fixture.Client.CreateReceiver("outbound", "all");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(20), AmqpFrontFixture.Bounded()));

        Assert.Contains("not supported", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}: it waited instead of failing");
    }

    [Fact]
    public async Task SendMessageAsync_InATransaction_FailsFastSayingTransactionsAreNotSupported()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var scope = new System.Transactions.TransactionScope(System.Transactions.TransactionScopeAsyncFlowOption.Enabled);
            await sender.SendMessageAsync(new ServiceBusMessage("in a transaction"), AmqpFrontFixture.Bounded());
            scope.Complete();
        });

        Assert.Contains("Transactions are not supported", error.ToString(), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}: it waited instead of failing");
        Assert.Empty(fixture.Queue("outbound").Snapshot(false).Messages);
    }

    [Fact]
    public async Task AcceptNextSessionAsync_FailsFastSayingSessionsAreNotSupported()
    {
        await using var fixture = new AmqpFrontFixture();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.AcceptNextSessionAsync("outbound", cancellationToken: AmqpFrontFixture.Bounded()));

        Assert.Contains("Sessions are not supported", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}: it waited instead of failing");
    }
}
