namespace Omni.DevHost.ServiceBus;

/// <summary>What the queue's AMQP <c>$management</c> node needs: lock renewal, peek, scheduling with sequence numbers.</summary>
public sealed partial class EmulatedQueue
{
    /// <summary>
    /// Extends the lock <paramref name="lockToken"/> holds by the queue's LockDuration from now, on a message of the
    /// queue or (<paramref name="deadLetter"/>) of its dead-letter sub-queue; null when no message is locked with that
    /// token (wrong token, lapsed, settled), which Service Bus answers with MessageLockLost.
    /// </summary>
    public DateTimeOffset? TryRenewLock(Guid lockToken, bool deadLetter)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            QueuedMessage? message;
            if (deadLetter)
            {
                message = _deadLetters.FirstOrDefault(m => m.LockToken == lockToken && m.LockedUntil is { } until && until > now);
            }
            else
            {
                ReleaseLapsedLocks(now);
                message = _pending.FirstOrDefault(m => m.State == MessageState.Locked && m.LockToken == lockToken);
            }
            if (message is null)
            {
                return null;
            }
            // A lock taken with TryLock() never lapses; renewing it leaves it so and reports one lock period.
            var renewed = now + Settings.LockDuration;
            if (message.LockedUntil is not null)
            {
                message.LockedUntil = renewed;
            }
            return renewed;
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> messages from <paramref name="fromSequenceNumber"/> on, in sequence order, without
    /// locking them: every message still in the queue (active, scheduled, locked, deferred) or, with
    /// <paramref name="deadLetter"/>, in its dead-letter sub-queue.
    /// </summary>
    public IReadOnlyList<QueuedMessage> Peek(long fromSequenceNumber, int count, bool deadLetter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ReleaseLapsedLocks(now);
            ExpireDue(now);
            return (deadLetter ? _deadLetters : _pending)
                .Where(m => m.SequenceNumber >= fromSequenceNumber)
                .OrderBy(m => m.SequenceNumber)
                .Take(count)
                .ToList();
        }
    }

    /// <summary>
    /// Enqueues <paramref name="message"/> (normally with a ScheduledEnqueueTime) and returns its sequence number. A
    /// duplicate MessageId is dropped like <see cref="Enqueue"/> does, yet gets a sequence number of its own, as
    /// Service Bus answers a duplicate schedule request.
    /// </summary>
    public long Schedule(IncomingMessage message)
    {
        lock (_gate)
        {
            var before = _sequence;
            return Enqueue(message) == EnqueueOutcome.Accepted ? before + 1 : ++_sequence;
        }
    }

    /// <summary>
    /// Removes the scheduled (not yet visible) messages with these sequence numbers, all or none: when one is not a
    /// scheduled message of this queue (unknown, already enqueued, cancelled), nothing changes and it is returned.
    /// </summary>
    public IReadOnlyList<long> CancelScheduled(IReadOnlyCollection<long> sequenceNumbers)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ExpireDue(now);
            var found = _pending.Where(m => m.State == MessageState.Scheduled && sequenceNumbers.Contains(m.SequenceNumber)).ToList();
            var missing = sequenceNumbers.Where(s => found.All(m => m.SequenceNumber != s)).ToList();
            if (missing.Count > 0)
            {
                return missing;
            }
            foreach (var message in found)
            {
                _pending.Remove(message);
                message.State = MessageState.Completed;
            }
            Pulse();
            return [];
        }
    }

    /// <summary>Those of <paramref name="sequenceNumbers"/> that are not deferred messages of this queue (none: all are).</summary>
    public IReadOnlyList<long> MissingDeferred(IEnumerable<long> sequenceNumbers)
    {
        lock (_gate)
        {
            ReleaseLapsedLocks(_time.GetUtcNow());
            return sequenceNumbers.Where(s => !_pending.Any(m => m.State == MessageState.Deferred && m.SequenceNumber == s)).ToList();
        }
    }

    /// <summary>The dead letter <paramref name="lockToken"/> holds locked, if any.</summary>
    public QueuedMessage? FindLockedDeadLetter(Guid lockToken)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return _deadLetters.FirstOrDefault(m => m.LockToken == lockToken && m.LockedUntil is { } until && until > now);
        }
    }
}
