using System.Text;
using Microsoft.Extensions.Time.Testing;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

public class EmulatedQueueTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    private EmulatedQueue Queue(int maxDeliveryCount = 3, bool deadLetterOnExpiry = true) =>
        new(QueueSettings.Default("q") with
        {
            MaxDeliveryCount = maxDeliveryCount,
            DeadLetteringOnMessageExpiration = deadLetterOnExpiry,
            DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
        }, _time);

    private static IncomingMessage Message(string? id = null, TimeSpan? ttl = null, DateTimeOffset? scheduled = null) =>
        new() { Body = Encoding.UTF8.GetBytes("body"), MessageId = id, TimeToLive = ttl, ScheduledEnqueueTime = scheduled };

    [Fact]
    public void TryLock_LockedMessage_IsInvisibleToOtherReceivers()
    {
        var queue = Queue();
        queue.Enqueue(Message("a"));

        Assert.True(queue.TryLock(out var first));
        Assert.False(queue.TryLock(out _));
        Assert.Equal(1, first.DeliveryCount);
    }

    [Fact]
    public void TryLock_SeveralMessages_DeliversInSendOrder()
    {
        var queue = Queue();
        queue.Enqueue(Message("a"));
        queue.Enqueue(Message("b"));

        Assert.True(queue.TryLock(out var first));
        Assert.True(queue.TryLock(out var second));
        Assert.Equal(["a", "b"], new[] { first.MessageId, second.MessageId });
        Assert.True(first.SequenceNumber < second.SequenceNumber);
    }

    [Fact]
    public void Abandon_BelowMaxDeliveryCount_RedeliversWithDeliveryCountIncremented()
    {
        var queue = Queue(maxDeliveryCount: 3);
        queue.Enqueue(Message("a"));
        queue.TryLock(out var message);

        queue.Abandon(message, "boom");

        Assert.True(queue.TryLock(out var again));
        Assert.Same(message, again);
        Assert.Equal(2, again.DeliveryCount);
        Assert.Equal(["boom"], again.Failures);
    }

    [Fact]
    public void Abandon_OnTheMaxDelivery_DeadLettersWithReason()
    {
        var queue = Queue(maxDeliveryCount: 2);
        queue.Enqueue(Message("poison"));
        for (var i = 0; i < 2; i++)
        {
            Assert.True(queue.TryLock(out var m));
            queue.Abandon(m, $"failure {i + 1}");
        }

        Assert.False(queue.TryLock(out _));
        var snapshot = queue.Snapshot(includeBodies: false);
        var dead = Assert.Single(snapshot.DeadLetters);
        Assert.Equal("poison", dead.MessageId);
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        Assert.Contains("failure 2", dead.DeadLetterErrorDescription);
        Assert.Equal(2, dead.DeliveryCount);
        Assert.Equal(0, snapshot.Active);
    }

    [Fact]
    public void Complete_LockedMessage_RemovesItAndCountsIt()
    {
        var queue = Queue();
        queue.Enqueue(Message("a"));
        queue.TryLock(out var message);

        queue.Complete(message);

        Assert.False(queue.TryLock(out _));
        Assert.Equal(1, queue.CompletedCount);
        Assert.Equal("a", Assert.Single(queue.Snapshot(false).RecentlyCompleted).MessageId);
    }

    [Fact]
    public void Complete_MessageNotLocked_Throws()
    {
        var queue = Queue();
        queue.Enqueue(Message("a"));
        queue.TryLock(out var message);
        queue.Complete(message);

        Assert.Throws<InvalidOperationException>(() => queue.Complete(message));
    }

    [Fact]
    public void Enqueue_SameMessageIdInsideWindow_IsDroppedAsDuplicate()
    {
        var queue = Queue();

        Assert.Equal(EnqueueOutcome.Accepted, queue.Enqueue(Message("same")));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(EnqueueOutcome.Duplicate, queue.Enqueue(Message("same")));

        Assert.True(queue.TryLock(out _));
        Assert.False(queue.TryLock(out _));
        Assert.Equal(1, queue.DuplicateCount);
    }

    [Fact]
    public void Enqueue_SameMessageIdAfterWindow_IsAccepted()
    {
        var queue = Queue();
        queue.Enqueue(Message("same"));
        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(EnqueueOutcome.Accepted, queue.Enqueue(Message("same")));
    }

    [Fact]
    public void Enqueue_WithoutMessageId_GetsOneAndIsNeverADuplicate()
    {
        var queue = Queue();

        Assert.Equal(EnqueueOutcome.Accepted, queue.Enqueue(Message()));
        Assert.Equal(EnqueueOutcome.Accepted, queue.Enqueue(Message()));
        Assert.True(queue.TryLock(out var first));
        Assert.False(string.IsNullOrEmpty(first.MessageId));
        Assert.True(queue.TryLock(out _));
    }

    [Fact]
    public void TryLock_ScheduledMessage_InvisibleUntilItsTime()
    {
        var queue = Queue();
        queue.Enqueue(Message("later", scheduled: _time.GetUtcNow().AddMinutes(5)));

        Assert.False(queue.TryLock(out _));
        Assert.Equal(TimeSpan.FromMinutes(5), queue.NextDueIn());
        Assert.Equal(1, queue.Snapshot(false).Scheduled);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(queue.TryLock(out var message));
        Assert.Equal("later", message.MessageId);
    }

    [Fact]
    public void TryLock_ExpiredMessage_DeadLetteredInsteadOfDelivered()
    {
        var queue = Queue();
        queue.Enqueue(Message("short", ttl: TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.False(queue.TryLock(out _));
        var dead = Assert.Single(queue.Snapshot(false).DeadLetters);
        Assert.Equal("TTLExpiredException", dead.DeadLetterReason);
    }

    [Fact]
    public void TryLock_ExpiredMessageWithoutDeadLettering_IsDropped()
    {
        var queue = Queue(deadLetterOnExpiry: false);
        queue.Enqueue(Message("short", ttl: TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.False(queue.TryLock(out _));
        var snapshot = queue.Snapshot(false);
        Assert.Empty(snapshot.DeadLetters);
        Assert.Empty(snapshot.Messages);
    }

    [Fact]
    public async Task WaitForChangeAsync_MessageArrives_Completes()
    {
        var queue = Queue();
        var wait = queue.WaitForChangeAsync(TimeSpan.FromHours(1), CancellationToken.None);
        Assert.False(wait.IsCompleted);

        queue.Enqueue(Message("a"));

        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void TryLockForTrigger_PastMaxAutoLockRenewal_LapsesAtTheEndOfThePeriodInProgress_DeliveredAgain()
    {
        // 1-minute lock periods, renewed for 2.5 minutes: the third period is in progress then, so the lock lapses at 3 minutes.
        var queue = Queue();
        queue.Enqueue(Message("slow"));
        Assert.True(queue.TryLockForTrigger(TimeSpan.FromSeconds(150), out var first));
        var firstToken = first.LockToken;

        _time.Advance(TimeSpan.FromSeconds(179));
        Assert.False(queue.TryLockForTrigger(TimeSpan.FromSeconds(150), out _));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(queue.TryLockForTrigger(TimeSpan.FromSeconds(150), out var again));
        Assert.Same(first, again);
        Assert.Equal(2, again.DeliveryCount);
        Assert.NotEqual(firstToken, again.LockToken);
        Assert.StartsWith("the lock lapsed while the function still ran", Assert.Single(again.Failures));
    }

    [Fact]
    public void TryComplete_LockLostToARedelivery_ReturnsFalse_AndLeavesTheRedeliveryLocked()
    {
        var queue = Queue();
        queue.Enqueue(Message("slow"));
        queue.TryLockForTrigger(TimeSpan.Zero, out var message);
        var firstToken = message.LockToken;
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(queue.TryLockForTrigger(TimeSpan.Zero, out _));

        Assert.False(queue.TryComplete(message, firstToken));
        Assert.False(queue.TryAbandon(message, firstToken, "late failure"));

        Assert.Equal(MessageState.Locked, message.State);
        Assert.Equal(2, message.DeliveryCount);
        Assert.Equal(0, queue.CompletedCount);
        Assert.True(queue.TryComplete(message, message.LockToken));
        Assert.Equal(1, queue.CompletedCount);
    }

    [Fact]
    public void TryComplete_LockLapsedNotYetRedelivered_ReturnsFalse_MessageVisibleAgain()
    {
        var queue = Queue();
        queue.Enqueue(Message("slow"));
        queue.TryLockForTrigger(TimeSpan.FromMinutes(5), out var message);
        var token = message.LockToken;
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(queue.TryComplete(message, token));

        Assert.Equal(MessageState.Active, message.State);
        Assert.Equal(1, queue.Snapshot(false).Active);
    }
}
