using System.Text;
using Azure.Messaging.ServiceBus;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>The official .NET SDK's receivers against the DevHost's AMQP front: peek-lock settlements and receive-and-delete.</summary>
public class AmqpReceiveTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReceiveMessageAsync_PeekLockThenComplete_RemovesTheMessage()
    {
        await using var fixture = new AmqpFrontFixture();
        fixture.Queue("outbound").Enqueue(new IncomingMessage
        {
            Body = "hello"u8.ToArray(), MessageId = "m-1", Subject = "greeting",
            ApplicationProperties = new Dictionary<string, object?> { ["tenant"] = "t-001", ["attempt"] = 2L },
        });
        await using var receiver = fixture.Client.CreateReceiver("outbound");

        var message = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());

        Assert.NotNull(message);
        Assert.Equal("hello", message.Body.ToString());
        Assert.Equal("m-1", message.MessageId);
        Assert.Equal("greeting", message.Subject);
        Assert.Equal("t-001", message.ApplicationProperties["tenant"]);
        Assert.Equal(2L, message.ApplicationProperties["attempt"]);
        Assert.Equal(1, message.DeliveryCount);
        Assert.Equal(1, message.SequenceNumber);
        Assert.Equal(fixture.Queue("outbound").Snapshot(false).Messages.Single().SequenceNumber, message.SequenceNumber);
        Assert.NotEqual(default, message.LockToken);
        Assert.True(message.LockedUntil > DateTimeOffset.UtcNow);
        Assert.Equal(1, fixture.Queue("outbound").Snapshot(false).Locked);

        await receiver.CompleteMessageAsync(message, AmqpFrontFixture.Bounded());

        var after = fixture.Queue("outbound").Snapshot(false);
        Assert.Equal(0, after.Active + after.Locked);
        Assert.Equal(1, after.Completed);
    }

    [Fact]
    public async Task AbandonMessageAsync_RedeliversWithTheDeliveryCountUpByOne()
    {
        await using var fixture = new AmqpFrontFixture();
        fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = "again"u8.ToArray(), MessageId = "m-2" });
        await using var receiver = fixture.Client.CreateReceiver("outbound");

        var first = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());
        Assert.NotNull(first);
        await receiver.AbandonMessageAsync(first, new Dictionary<string, object> { ["reason"] = "busy" }, AmqpFrontFixture.Bounded());
        var second = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());

        Assert.NotNull(second);
        Assert.Equal("m-2", second.MessageId);
        Assert.Equal(1, first.DeliveryCount);
        Assert.Equal(2, second.DeliveryCount);
        Assert.NotEqual(first.LockToken, second.LockToken);
        Assert.Equal("busy", second.ApplicationProperties["reason"]);
        await receiver.CompleteMessageAsync(second, AmqpFrontFixture.Bounded());
    }

    [Fact]
    public async Task DeadLetterMessageAsync_MovesItToTheDeadLetterSubQueueWithReasonAndDescription()
    {
        await using var fixture = new AmqpFrontFixture();
        fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = "poison"u8.ToArray(), MessageId = "m-3" });
        await using var receiver = fixture.Client.CreateReceiver("outbound");
        await using var deadLetters = fixture.Client.CreateReceiver("outbound", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        var message = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());
        Assert.NotNull(message);
        await receiver.DeadLetterMessageAsync(message, "InvalidPayload", "the body is not JSON", AmqpFrontFixture.Bounded());
        var dead = await deadLetters.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());

        Assert.NotNull(dead);
        Assert.Equal("m-3", dead.MessageId);
        Assert.Equal("poison", dead.Body.ToString());
        Assert.Equal("InvalidPayload", dead.DeadLetterReason);
        Assert.Equal("the body is not JSON", dead.DeadLetterErrorDescription);
        await deadLetters.CompleteMessageAsync(dead, AmqpFrontFixture.Bounded());
        var after = fixture.Queue("outbound").Snapshot(false);
        Assert.Equal(0, after.DeadLettered);
        Assert.Equal(1, fixture.Queue("outbound").DeadLettersCompleted);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_ReceiveAndDelete_TakesThemOffTheQueueAtOnce()
    {
        await using var fixture = new AmqpFrontFixture();
        for (var i = 1; i <= 3; i++)
        {
            fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes($"m{i}"), MessageId = $"m-{i}" });
        }
        await using var receiver = fixture.Client.CreateReceiver("outbound", new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        var received = new List<ServiceBusReceivedMessage>();
        using var bound = new CancellationTokenSource(AmqpFrontFixture.Timeout);
        while (received.Count < 3)
        {
            received.AddRange(await receiver.ReceiveMessagesAsync(3 - received.Count, Wait, bound.Token));
        }

        Assert.Equal(["m1", "m2", "m3"], received.Select(m => m.Body.ToString()));
        var after = fixture.Queue("outbound").Snapshot(false);
        Assert.Equal(0, after.Active + after.Locked);
        Assert.Equal(3, after.Completed);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_OnlyAsManyAsAsked_TheRestStayAvailable()
    {
        await using var fixture = new AmqpFrontFixture();
        for (var i = 1; i <= 5; i++)
        {
            fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes($"m{i}"), MessageId = $"m-{i}" });
        }
        await using var receiver = fixture.Client.CreateReceiver("outbound");

        var batch = await receiver.ReceiveMessagesAsync(2, Wait, AmqpFrontFixture.Bounded());

        Assert.InRange(batch.Count, 1, 2);
        var snapshot = fixture.Queue("outbound").Snapshot(false);
        Assert.Equal(batch.Count, snapshot.Locked);
        Assert.Equal(5 - batch.Count, snapshot.Active);
    }

    [Fact]
    public async Task ReceiveMessageAsync_AfterSeveralEmptyReceives_StillGetsTheNextMessageAtOnce()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var receiver = fixture.Client.CreateReceiver("outbound");
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), AmqpFrontFixture.Bounded()));
        }
        fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = "late"u8.ToArray(), MessageId = "m-5" });

        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), AmqpFrontFixture.Bounded());

        Assert.NotNull(message);
        Assert.Equal("m-5", message.MessageId);
    }

    [Fact]
    public async Task CompleteMessageAsync_AfterTheLockExpired_FailsWithMessageLockLost_AndTheMessageIsRedelivered()
    {
        await using var fixture = new AmqpFrontFixture(QueueSettings.Default("outbound") with { LockDuration = TimeSpan.FromSeconds(1) });
        fixture.Queue("outbound").Enqueue(new IncomingMessage { Body = "slow"u8.ToArray(), MessageId = "m-4" });
        await using var receiver = fixture.Client.CreateReceiver("outbound");

        var first = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());
        Assert.NotNull(first);
        var second = await receiver.ReceiveMessageAsync(Wait, AmqpFrontFixture.Bounded());

        // The second receive waits for the first lock to lapse; that delivery is the same message, delivered again.
        Assert.NotNull(second);
        Assert.Equal("m-4", second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
        var error = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(first, AmqpFrontFixture.Bounded()));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, error.Reason);
        await receiver.CompleteMessageAsync(second, AmqpFrontFixture.Bounded());
        Assert.Equal(1, fixture.Queue("outbound").CompletedCount);
    }
}

/// <summary>Deferral over the receive link: the message stays, set aside for a fetch by sequence number.</summary>
public class AmqpDeferTests
{
    [Fact]
    public async Task DeferMessageAsync_KeepsItDeferred_NotRedelivered_AndFetchableBySequenceNumber()
    {
        await using var fixture = new AmqpFrontFixture();
        var queue = fixture.Queue("outbound");
        queue.Enqueue(new IncomingMessage { Body = "later"u8.ToArray(), MessageId = "d-1" });
        await using var receiver = fixture.Client.CreateReceiver("outbound");

        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), AmqpFrontFixture.Bounded());
        Assert.NotNull(message);
        await receiver.DeferMessageAsync(message, new Dictionary<string, object> { ["deferredBy"] = "test" }, AmqpFrontFixture.Bounded());
        var again = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1), AmqpFrontFixture.Bounded());

        Assert.Null(again);
        Assert.Equal(1, queue.Snapshot(false).Deferred);
        Assert.True(queue.TryLockDeferred(message.SequenceNumber, out var deferred));
        Assert.Equal("d-1", deferred.MessageId);
        Assert.Equal("test", deferred.Message.ApplicationProperties["deferredBy"]);
        Assert.True(queue.TryAbandon(deferred, deferred.LockToken, "not yet"));
        Assert.Equal(1, queue.Snapshot(false).Deferred);
    }
}
