using System.Text;
using Azure.Messaging.ServiceBus;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>
/// The official .NET SDK's operations that go through a queue's <c>$management</c> node, against the DevHost's AMQP
/// front: lock renewal, peek (queue and dead-letter sub-queue), scheduling and cancelling, deferral.
/// </summary>
public sealed class ManagementSdkTests : IAsyncLifetime
{
    private const string QueueName = "work";
    private readonly AmqpFrontFixture _fixture = new(QueueSettings.Default(QueueName) with { LockDuration = TimeSpan.FromSeconds(20) });
    private ServiceBusSender _sender = null!;
    private ServiceBusReceiver _receiver = null!;

    private EmulatedQueue Queue => _fixture.Queue(QueueName);

    public Task InitializeAsync()
    {
        _sender = _fixture.Client.CreateSender(QueueName);
        _receiver = _fixture.Client.CreateReceiver(QueueName);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private static ServiceBusMessage Message(string id) => new(Encoding.UTF8.GetBytes("{\"n\":\"" + id + "\"}")) { MessageId = id };

    private async Task<ServiceBusReceivedMessage> ReceiveAsync()
    {
        var message = await _receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), AmqpFrontFixture.Bounded());
        Assert.NotNull(message);
        return message;
    }

    [Fact]
    public async Task RenewMessageLockAsync_ExtendsTheLock_AndASettledMessagesLockIsLost()
    {
        await _sender.SendMessageAsync(Message("a"), AmqpFrontFixture.Bounded());
        var message = await ReceiveAsync();
        var first = message.LockedUntil;

        await _receiver.RenewMessageLockAsync(message, AmqpFrontFixture.Bounded());

        Assert.True(message.LockedUntil >= first, $"renewed {message.LockedUntil:O}, was {first:O}");
        var held = Assert.Single(Queue.Peek(0, 10, deadLetter: false));
        // AMQP timestamps are whole milliseconds.
        Assert.InRange((message.LockedUntil - held.LockedUntil!.Value).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));

        await _receiver.CompleteMessageAsync(message, AmqpFrontFixture.Bounded());
        var lost = await Assert.ThrowsAsync<ServiceBusException>(() => _receiver.RenewMessageLockAsync(message, AmqpFrontFixture.Bounded()));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lost.Reason);
    }

    [Fact]
    public async Task PeekMessagesAsync_PagesThroughTheQueueInOrder_WithoutLocking()
    {
        await _sender.SendMessagesAsync([Message("a"), Message("b"), Message("c")], AmqpFrontFixture.Bounded());

        var page1 = await _receiver.PeekMessagesAsync(2, cancellationToken: AmqpFrontFixture.Bounded());
        var page2 = await _receiver.PeekMessagesAsync(2, cancellationToken: AmqpFrontFixture.Bounded());
        var page3 = await _receiver.PeekMessagesAsync(2, cancellationToken: AmqpFrontFixture.Bounded());

        Assert.Equal(["a", "b"], page1.Select(m => m.MessageId));
        Assert.Equal(["c"], page2.Select(m => m.MessageId));
        Assert.Empty(page3);
        Assert.Equal("{\"n\":\"a\"}", page1[0].Body.ToString());
        Assert.Equal(ServiceBusMessageState.Active, page1[0].State);
        Assert.True(page1[0].SequenceNumber < page1[1].SequenceNumber);
        Assert.Equal(3, Queue.Snapshot(includeBodies: false).Active);
    }

    [Fact]
    public async Task PeekMessagesAsync_OnTheDeadLetterSubQueue_ShowsTheDeadLetterWithItsReason()
    {
        await _sender.SendMessageAsync(Message("bad"), AmqpFrontFixture.Bounded());
        Assert.True(Queue.TryLockForReceiver(out var held));
        Assert.True(Queue.TryDeadLetter(held, held.LockToken, "InvalidBody", "not a message request"));
        await using var deadLetters = _fixture.Client.CreateReceiver(QueueName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        var peeked = await deadLetters.PeekMessagesAsync(10, fromSequenceNumber: 0, AmqpFrontFixture.Bounded());

        var message = Assert.Single(peeked);
        Assert.Equal(("bad", "InvalidBody", "not a message request"), (message.MessageId, message.DeadLetterReason, message.DeadLetterErrorDescription));
        Assert.Empty(await _receiver.PeekMessagesAsync(10, fromSequenceNumber: 0, AmqpFrontFixture.Bounded()));
    }

    [Fact]
    public async Task ScheduleMessageAsync_ReturnsASequenceNumber_ThatCancelScheduledMessageAsyncCancels()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(10);

        var sequenceNumber = await _sender.ScheduleMessageAsync(Message("later"), at, AmqpFrontFixture.Bounded());

        var peeked = Assert.Single(await _receiver.PeekMessagesAsync(1, sequenceNumber, AmqpFrontFixture.Bounded()));
        Assert.Equal(("later", sequenceNumber, ServiceBusMessageState.Scheduled), (peeked.MessageId, peeked.SequenceNumber, peeked.State));
        Assert.Equal(at.ToUnixTimeMilliseconds(), peeked.ScheduledEnqueueTime.ToUnixTimeMilliseconds());

        await _sender.CancelScheduledMessageAsync(sequenceNumber, AmqpFrontFixture.Bounded());

        Assert.Empty(await _receiver.PeekMessagesAsync(1, sequenceNumber, AmqpFrontFixture.Bounded()));
        var missing = await Assert.ThrowsAsync<ServiceBusException>(() => _sender.CancelScheduledMessageAsync(sequenceNumber, AmqpFrontFixture.Bounded()));
        Assert.Equal(ServiceBusFailureReason.MessageNotFound, missing.Reason);
    }

    [Fact]
    public async Task DeferMessageAsync_ThenReceiveDeferredMessageAsync_AndCompleteRemovesIt()
    {
        await _sender.SendMessagesAsync([Message("later"), Message("now")], AmqpFrontFixture.Bounded());
        var deferred = await ReceiveAsync();
        await _receiver.DeferMessageAsync(deferred, cancellationToken: AmqpFrontFixture.Bounded());

        // A deferred message is not received again; the next one is.
        Assert.Equal("now", (await ReceiveAsync()).MessageId);
        var peeked = Assert.Single(await _receiver.PeekMessagesAsync(1, deferred.SequenceNumber, AmqpFrontFixture.Bounded()));
        Assert.Equal(ServiceBusMessageState.Deferred, peeked.State);

        var again = await _receiver.ReceiveDeferredMessageAsync(deferred.SequenceNumber, AmqpFrontFixture.Bounded());
        Assert.Equal(("later", 2), (again.MessageId, again.DeliveryCount));
        Assert.True(again.LockedUntil > DateTimeOffset.UtcNow);
        await _receiver.RenewMessageLockAsync(again, AmqpFrontFixture.Bounded());
        await _receiver.CompleteMessageAsync(again, AmqpFrontFixture.Bounded());

        Assert.Equal("later", Assert.Single(Queue.Snapshot(includeBodies: false).RecentlyCompleted).MessageId);
        var gone = await Assert.ThrowsAsync<ServiceBusException>(() => _receiver.ReceiveDeferredMessageAsync(deferred.SequenceNumber, AmqpFrontFixture.Bounded()));
        Assert.Equal(ServiceBusFailureReason.MessageNotFound, gone.Reason);
    }

    [Fact]
    public async Task ReceiveDeferredMessageAsync_ReceiveAndDelete_TakesItOut()
    {
        await _sender.SendMessageAsync(Message("later"), AmqpFrontFixture.Bounded());
        var deferred = await ReceiveAsync();
        await _receiver.DeferMessageAsync(deferred, cancellationToken: AmqpFrontFixture.Bounded());
        await using var taker = _fixture.Client.CreateReceiver(QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        var taken = await taker.ReceiveDeferredMessageAsync(deferred.SequenceNumber, AmqpFrontFixture.Bounded());

        Assert.Equal("later", taken.MessageId);
        Assert.Empty(Queue.Peek(0, 10, deadLetter: false));
    }

    [Fact]
    public async Task DeferredMessage_DeadLetteredThroughTheManagementNode_LandsInTheDeadLetterSubQueue()
    {
        await _sender.SendMessageAsync(Message("later"), AmqpFrontFixture.Bounded());
        var first = await ReceiveAsync();
        await _receiver.DeferMessageAsync(first, cancellationToken: AmqpFrontFixture.Bounded());
        var deferred = await _receiver.ReceiveDeferredMessageAsync(first.SequenceNumber, AmqpFrontFixture.Bounded());

        await _receiver.DeadLetterMessageAsync(deferred, new Dictionary<string, object> { ["reviewedBy"] = "ops" }, "Expired", "offer ended",
            AmqpFrontFixture.Bounded());

        var deadLetter = Assert.Single(Queue.Snapshot(includeBodies: false).DeadLetters);
        Assert.Equal(("later", "Expired", "offer ended"), (deadLetter.MessageId, deadLetter.DeadLetterReason, deadLetter.DeadLetterErrorDescription));
        Assert.Equal("ops", deadLetter.ApplicationProperties["reviewedBy"]);
    }
}
