namespace Omni.DevHost.ServiceBus;

/// <summary>A message as sent: what the Service Bus REST API accepts for one message.</summary>
public sealed record IncomingMessage
{
    public required byte[] Body { get; init; }

    public string? MessageId { get; init; }

    public string? ContentType { get; init; }

    public string? CorrelationId { get; init; }

    public string? SessionId { get; init; }

    public string? Subject { get; init; }

    public string? ReplyTo { get; init; }

    public string? To { get; init; }

    public TimeSpan? TimeToLive { get; init; }

    public DateTimeOffset? ScheduledEnqueueTime { get; init; }

    /// <summary>The sender's partition key (AMQP <c>x-opt-partition-key</c>); kept and handed back to AMQP receivers.</summary>
    public string? PartitionKey { get; init; }

    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// The AMQP body section as sent when it is not plain data (an amqp-value or amqp-sequence, as the AMQP front decoded
    /// it), so AMQP receivers get the same section back; <see cref="Body"/> then holds the bytes the SDK's
    /// <c>ServiceBusReceivedMessage.Body</c> gives for it. Null for data bodies and REST sends.
    /// </summary>
    public object? AmqpBodySection { get; init; }
}

/// <summary>A queue's status, as Service Bus entities have it (set through <c>PUT /_devhost/queues/{name}/status</c>).</summary>
public enum EntityStatus
{
    Active,
    /// <summary>Neither sends nor receives.</summary>
    Disabled,
    /// <summary>Sends are refused (403 MessagingEntityDisabled); receives and trigger deliveries go on.</summary>
    SendDisabled,
    /// <summary>Receives and trigger deliveries stop; sends are accepted.</summary>
    ReceiveDisabled,
}

/// <summary>
/// Fault drills for one queue's deliveries (<see cref="EmulatedQueue.Faults"/>, <c>PUT /_devhost/queues/{name}/faults</c>,
/// <see cref="DevHostOptions.DeliveryFaults"/>). The default is none: every message once, in order.
/// </summary>
public sealed record DeliveryFaults
{
    /// <summary>No faults.</summary>
    public static readonly DeliveryFaults None = new();

    /// <summary>
    /// Every accepted message is delivered twice: a second, independent copy with the same MessageId, body and properties,
    /// its own sequence number and its own lock, as Service Bus's at-least-once delivery can after a lock is lost.
    /// Settling one copy leaves the other alone; each counts its own deliveries and dead-letters on its own.
    /// </summary>
    public bool Duplicate { get; init; }

    /// <summary>
    /// Out-of-order delivery: each lock takes a random message among the oldest <c>ShuffleWindow</c> deliverable ones
    /// (1, the default, keeps send order; at most 100).
    /// </summary>
    public int ShuffleWindow { get; init; } = 1;

    /// <summary>Seed of the shuffle's random numbers (reproducible order for one sequence of locks); null: 0.</summary>
    public int? Seed { get; init; }

    /// <summary>Null when valid, otherwise what is wrong.</summary>
    public string? Validate() => ShuffleWindow is < 1 or > 100 ? "shuffleWindow must be between 1 and 100." : null;
}

public enum MessageState
{
    Scheduled,
    Active,
    Locked,
    Completed,
    DeadLettered,
    /// <summary>Set aside by the receiver (AMQP modified with undeliverable-here): only fetched by sequence number.</summary>
    Deferred,
}

/// <summary>A message held by the emulator, with its broker state.</summary>
public sealed class QueuedMessage
{
    internal QueuedMessage(IncomingMessage message, long sequenceNumber, DateTimeOffset enqueuedTime, DateTimeOffset visibleAt, DateTimeOffset expiresAt,
        string? messageId = null)
    {
        Message = message;
        MessageId = messageId ?? message.MessageId ?? Guid.NewGuid().ToString("N");
        SequenceNumber = sequenceNumber;
        EnqueuedTime = enqueuedTime;
        VisibleAt = visibleAt;
        ExpiresAt = expiresAt;
    }

    /// <summary>The message; replaced (with changed application properties) when a receiver settles it with property changes.</summary>
    public IncomingMessage Message { get; internal set; }

    /// <summary>True once deferred: a lapsed or abandoned lock returns it to <see cref="MessageState.Deferred"/>, not to the queue.</summary>
    public bool IsDeferred { get; internal set; }

    public string MessageId { get; }

    public long SequenceNumber { get; }

    public DateTimeOffset EnqueuedTime { get; }

    public DateTimeOffset VisibleAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public MessageState State { get; internal set; }

    public int DeliveryCount { get; internal set; }

    public Guid LockToken { get; internal set; }

    /// <summary>
    /// When the lock lapses: the queue's LockDuration after a REST receiver took it; for a trigger delivery, the end of
    /// the lock period in which the host's auto-renewal stops (<see cref="EmulatedQueue.TryLockForTrigger"/>). Null for
    /// unlocked messages and for <see cref="EmulatedQueue.TryLock(out QueuedMessage)"/>'s locks, which never lapse.
    /// </summary>
    public DateTimeOffset? LockedUntil { get; internal set; }

    /// <summary>The failure recorded when the current lock lapses (a REST receiver's, or a trigger's past its renewal).</summary>
    internal string? LapseFailure { get; set; }

    public string? DeadLetterReason { get; internal set; }

    public string? DeadLetterErrorDescription { get; internal set; }

    /// <summary>Why each failed delivery failed, in order.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>True for the second copy <see cref="DeliveryFaults.Duplicate"/> made of a message.</summary>
    public bool IsDuplicateDelivery { get; internal init; }

    /// <summary>This delivery as the Functions host hands it to a Service Bus trigger (body, broker and application properties).</summary>
    public Omni.Hosting.ServiceBusTriggerMessage ToTriggerMessage() => new()
    {
        Body = Message.Body,
        MessageId = MessageId,
        DeliveryCount = DeliveryCount,
        SequenceNumber = SequenceNumber,
        CorrelationId = Message.CorrelationId,
        SessionId = Message.SessionId,
        Subject = Message.Subject,
        ContentType = Message.ContentType,
        ReplyTo = Message.ReplyTo,
        To = Message.To,
        LockToken = LockToken.ToString(),
        EnqueuedTime = EnqueuedTime,
        ExpiresAt = ExpiresAt,
        ApplicationProperties = Message.ApplicationProperties,
    };
}

public enum EnqueueOutcome
{
    Accepted,
    /// <summary>Same MessageId inside the duplicate-detection window: acknowledged like Service Bus does, and dropped.</summary>
    Duplicate,
}

/// <summary>
/// One queue with peek-lock semantics: a locked message is invisible to other receivers; complete removes it;
/// abandon makes it visible again with DeliveryCount+1 on the next lock; the delivery that reaches MaxDeliveryCount
/// and fails dead-letters it; expired messages are dead-lettered (or dropped) instead of delivered.
/// </summary>
public sealed partial class EmulatedQueue
{
    private const int CompletedHistory = 10_000;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly List<QueuedMessage> _pending = [];
    private readonly List<QueuedMessage> _deadLetters = [];
    private readonly Queue<QueuedMessage> _completed = new();
    private readonly Dictionary<string, DateTimeOffset> _recentIds = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();
    private long _sequence;
    private long _completedCount;
    private long _duplicateCount;
    private long _duplicateDeliveries;
    private DeliveryFaults _faults = DeliveryFaults.None;
    private Random _shuffle = new(0);

    public EmulatedQueue(QueueSettings settings, TimeProvider time)
    {
        Settings = settings;
        _time = time;
    }

    public QueueSettings Settings { get; }

    public string Name => Settings.Name;

    public long CompletedCount { get { lock (_gate) { return _completedCount; } } }

    public long DuplicateCount { get { lock (_gate) { return _duplicateCount; } } }

    /// <summary>Second copies made by <see cref="DeliveryFaults.Duplicate"/>.</summary>
    public long DuplicateDeliveries { get { lock (_gate) { return _duplicateDeliveries; } } }

    /// <summary>The queue's delivery fault drill; setting it restarts the shuffle's random sequence from its seed.</summary>
    public DeliveryFaults Faults
    {
        get { lock (_gate) { return _faults; } }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Validate() is { } error)
            {
                throw new ArgumentException(error, nameof(value));
            }
            lock (_gate)
            {
                _faults = value;
                _shuffle = new Random(value.Seed ?? 0);
                Pulse();
            }
        }
    }

    private EntityStatus _status;

    /// <summary>The queue's status; changing it wakes waiting receivers.</summary>
    public EntityStatus Status
    {
        get { lock (_gate) { return _status; } }
        set { lock (_gate) { _status = value; Pulse(); } }
    }

    /// <summary>Sends are refused (Disabled or SendDisabled).</summary>
    public bool SendDisabled => Status is EntityStatus.Disabled or EntityStatus.SendDisabled;

    /// <summary>Receives are refused (Disabled or ReceiveDisabled).</summary>
    public bool ReceiveDisabled => Status is EntityStatus.Disabled or EntityStatus.ReceiveDisabled;

    public EnqueueOutcome Enqueue(IncomingMessage message)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (message.MessageId is { } id)
            {
                PruneRecentIds(now);
                if (_recentIds.TryGetValue(id, out var seen) && now - seen < Settings.DuplicateDetectionWindow)
                {
                    _duplicateCount++;
                    return EnqueueOutcome.Duplicate;
                }
                _recentIds[id] = now;
            }
            var ttl = message.TimeToLive is { } requested && requested < Settings.DefaultMessageTimeToLive
                ? requested
                : Settings.DefaultMessageTimeToLive;
            var visibleAt = message.ScheduledEnqueueTime is { } scheduled && scheduled > now ? scheduled : now;
            // Service Bus's default TTL is TimeSpan.MaxValue: like the SDK's ExpiresAt, such a message never expires.
            var expiresAt = ttl >= DateTimeOffset.MaxValue - visibleAt ? DateTimeOffset.MaxValue : visibleAt + ttl;
            var queued = new QueuedMessage(message, ++_sequence, now, visibleAt, expiresAt)
            {
                State = visibleAt > now ? MessageState.Scheduled : MessageState.Active,
            };
            _pending.Add(queued);
            if (_faults.Duplicate)
            {
                _pending.Add(new QueuedMessage(message, ++_sequence, now, visibleAt, expiresAt, queued.MessageId)
                {
                    State = queued.State,
                    IsDuplicateDelivery = true,
                });
                _duplicateDeliveries++;
            }
            Pulse();
            return EnqueueOutcome.Accepted;
        }
    }

    /// <summary>Locks the oldest visible message until it is completed or abandoned (the lock never lapses), if any.</summary>
    public bool TryLock(out QueuedMessage message) => TryLock(lockDuration: null, lapseFailure: null, out message);

    /// <summary>Locks the oldest visible message for a REST receiver: the lock lapses after the queue's LockDuration.</summary>
    public bool TryLockForReceiver(out QueuedMessage message) =>
        TryLock(Settings.LockDuration, "the receiver's lock expired", out message);

    /// <summary>
    /// Locks the oldest visible message for a trigger invocation, as the Service Bus extension holds it: renewed one lock
    /// period (LockDuration) after another until <paramref name="maxAutoLockRenewal"/> has passed since it was locked,
    /// then left to lapse at the end of the period in progress. A lapsed lock counts as a failed delivery: the message
    /// is delivered again (DeliveryCount + 1) while the first invocation may still run, and that invocation's settlement
    /// then finds its lock lost (<see cref="TryComplete"/>, <see cref="TryAbandon"/>).
    /// </summary>
    public bool TryLockForTrigger(TimeSpan maxAutoLockRenewal, out QueuedMessage message)
    {
        var period = Settings.LockDuration;
        var periods = Math.Max(1, (long)Math.Ceiling(maxAutoLockRenewal / period));
        return TryLock(period * periods,
            $"the lock lapsed while the function still ran (renewed for maxAutoLockRenewalDuration {maxAutoLockRenewal:c}, lock duration {period:c})",
            out message);
    }

    private bool TryLock(TimeSpan? lockDuration, string? lapseFailure, out QueuedMessage message)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ReleaseLapsedLocks(now);
            if (_status is EntityStatus.Disabled or EntityStatus.ReceiveDisabled)
            {
                message = null!;
                return false;
            }
            var window = _faults.ShuffleWindow;
            var eligible = window > 1 ? new List<QueuedMessage>(window) : null;
            QueuedMessage? chosen = null;
            foreach (var candidate in _pending)
            {
                if (candidate.State is MessageState.Locked or MessageState.Deferred || candidate.VisibleAt > now)
                {
                    continue;
                }
                if (candidate.ExpiresAt <= now)
                {
                    continue; // handled below, outside the enumeration
                }
                if (eligible is null)
                {
                    chosen = candidate;
                    break;
                }
                eligible.Add(candidate);
                if (eligible.Count == window)
                {
                    break;
                }
            }
            if (eligible is { Count: > 0 })
            {
                chosen = eligible[_shuffle.Next(eligible.Count)];
            }
            if (chosen is not null)
            {
                chosen.State = MessageState.Locked;
                chosen.DeliveryCount++;
                chosen.LockToken = Guid.NewGuid();
                chosen.LockedUntil = lockDuration is { } d ? now + d : null;
                chosen.LapseFailure = lapseFailure;
                message = chosen;
                return true;
            }
            ExpireDue(now);
            message = null!;
            return false;
        }
    }

    public void Complete(QueuedMessage message)
    {
        lock (_gate)
        {
            EnsureLocked(message);
            _pending.Remove(message);
            message.State = MessageState.Completed;
            message.LockedUntil = null;
            _completedCount++;
            _completed.Enqueue(message);
            if (_completed.Count > CompletedHistory)
            {
                _completed.Dequeue();
            }
        }
    }

    /// <summary>
    /// Completes a delivery if <paramref name="lockToken"/> still holds its lock; false when the lock was lost (lapsed,
    /// perhaps delivered again under a new lock): nothing changes, as Service Bus refuses the complete (MessageLockLost).
    /// </summary>
    public bool TryComplete(QueuedMessage message, Guid lockToken)
    {
        lock (_gate)
        {
            if (!HoldsLock(message, lockToken))
            {
                return false;
            }
            Complete(message);
            return true;
        }
    }

    /// <summary>As <see cref="Abandon"/> if <paramref name="lockToken"/> still holds the lock; false (nothing changes) when it was lost.</summary>
    public bool TryAbandon(QueuedMessage message, Guid lockToken, string failure)
    {
        lock (_gate)
        {
            if (!HoldsLock(message, lockToken))
            {
                return false;
            }
            Abandon(message, failure);
            return true;
        }
    }

    private bool HoldsLock(QueuedMessage message, Guid lockToken)
    {
        ReleaseLapsedLocks(_time.GetUtcNow());
        return message.State == MessageState.Locked && message.LockToken == lockToken;
    }

    /// <summary>Releases the lock after a failed delivery; dead-letters once MaxDeliveryCount deliveries have failed.</summary>
    public void Abandon(QueuedMessage message, string failure)
    {
        lock (_gate)
        {
            EnsureLocked(message);
            message.LockedUntil = null;
            message.Failures.Add(failure);
            if (message.DeliveryCount >= Settings.MaxDeliveryCount)
            {
                DeadLetter(message, "MaxDeliveryCountExceeded",
                    $"Message could not be consumed after {Settings.MaxDeliveryCount} delivery attempts. Last failure: {failure}");
            }
            else
            {
                message.State = message.IsDeferred ? MessageState.Deferred : MessageState.Active;
            }
            Pulse();
        }
    }

    /// <summary>
    /// Settles a message a REST receiver locked, found by <paramref name="reference"/> (its MessageId or sequence number)
    /// and <paramref name="lockToken"/>: complete removes it, otherwise it is abandoned (unlocked, DeliveryCount counts
    /// the delivery, dead-lettered at MaxDeliveryCount). False when there is no such lock (wrong id or token, lapsed, settled).
    /// </summary>
    public bool TrySettle(string reference, Guid lockToken, bool complete)
    {
        lock (_gate)
        {
            ReleaseLapsedLocks(_time.GetUtcNow());
            var message = _pending.FirstOrDefault(m => m.State == MessageState.Locked && m.LockedUntil is not null &&
                                                      m.LockToken == lockToken && IsReferencedBy(m, reference));
            if (message is null)
            {
                return false;
            }
            if (complete)
            {
                Complete(message);
            }
            else
            {
                Abandon(message, "unlocked by a receiver");
            }
            return true;
        }
    }

    // Settlements by lock token, for AMQP receivers (the link's dispositions) and the management node. Each returns
    // false, changing nothing, when the token no longer holds the message's lock (lapsed, settled): MessageLockLost.

    /// <summary>The message <paramref name="lockToken"/> holds locked in this queue (not its dead letters), if any.</summary>
    public bool TryGetLocked(Guid lockToken, out QueuedMessage message)
    {
        lock (_gate)
        {
            ReleaseLapsedLocks(_time.GetUtcNow());
            message = _pending.FirstOrDefault(m => m.State == MessageState.Locked && m.LockToken == lockToken)!;
            return message is not null;
        }
    }

    /// <summary>Abandons as <see cref="TryAbandon(QueuedMessage, Guid, string)"/>, first merging <paramref name="propertiesToModify"/> into its application properties.</summary>
    public bool TryAbandon(QueuedMessage message, Guid lockToken, string failure, IReadOnlyDictionary<string, object?>? propertiesToModify)
    {
        lock (_gate)
        {
            if (!HoldsLock(message, lockToken))
            {
                return false;
            }
            ModifyProperties(message, propertiesToModify);
            Abandon(message, failure);
            return true;
        }
    }

    /// <summary>Moves a locked message to the dead letters with the receiver's reason and description (Service Bus's DeadLetterAsync).</summary>
    public bool TryDeadLetter(QueuedMessage message, Guid lockToken, string? reason, string? description,
        IReadOnlyDictionary<string, object?>? propertiesToModify = null)
    {
        lock (_gate)
        {
            if (!HoldsLock(message, lockToken))
            {
                return false;
            }
            ModifyProperties(message, propertiesToModify);
            message.LockedUntil = null;
            DeadLetter(message, reason!, description!);
            Pulse();
            return true;
        }
    }

    /// <summary>
    /// Defers a locked message (Service Bus's DeferAsync): it stays in the queue, no receiver or trigger gets it again,
    /// and only <see cref="TryLockDeferred"/> (receive by sequence number) fetches it.
    /// </summary>
    public bool TryDefer(QueuedMessage message, Guid lockToken, IReadOnlyDictionary<string, object?>? propertiesToModify = null)
    {
        lock (_gate)
        {
            if (!HoldsLock(message, lockToken))
            {
                return false;
            }
            ModifyProperties(message, propertiesToModify);
            message.LockedUntil = null;
            message.IsDeferred = true;
            message.State = MessageState.Deferred;
            return true;
        }
    }

    /// <summary>
    /// Locks the deferred message with <paramref name="sequenceNumber"/> for the queue's LockDuration (receive deferred
    /// by sequence number); settle it like any lock (<see cref="TryComplete"/>, <see cref="TryAbandon(QueuedMessage, Guid, string)"/> …).
    /// False when no deferred message has that number.
    /// </summary>
    public bool TryLockDeferred(long sequenceNumber, out QueuedMessage message)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            ReleaseLapsedLocks(now);
            message = _pending.FirstOrDefault(m => m.State == MessageState.Deferred && m.SequenceNumber == sequenceNumber)!;
            if (message is null)
            {
                return false;
            }
            message.State = MessageState.Locked;
            message.DeliveryCount++;
            message.LockToken = Guid.NewGuid();
            message.LockedUntil = now + Settings.LockDuration;
            message.LapseFailure = "the receiver's lock expired";
            return true;
        }
    }

    private static void ModifyProperties(QueuedMessage message, IReadOnlyDictionary<string, object?>? changes)
    {
        if (changes is not { Count: > 0 })
        {
            return;
        }
        var merged = new Dictionary<string, object?>(message.Message.ApplicationProperties, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            merged[key] = value;
        }
        message.Message = message.Message with { ApplicationProperties = merged };
    }

    /// <summary>
    /// Locks the oldest dead letter not locked by another receiver, for the queue's LockDuration. DeliveryCount is
    /// left as it was when the message was dead-lettered (see docs/devhost.md).
    /// </summary>
    public bool TryLockDeadLetter(out QueuedMessage message)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_status is EntityStatus.Disabled or EntityStatus.ReceiveDisabled)
            {
                message = null!;
                return false;
            }
            foreach (var candidate in _deadLetters)
            {
                if (candidate.LockedUntil is { } until && until > now)
                {
                    continue;
                }
                candidate.LockToken = Guid.NewGuid();
                candidate.LockedUntil = now + Settings.LockDuration;
                message = candidate;
                return true;
            }
            message = null!;
            return false;
        }
    }

    /// <summary>Completes (removes) or unlocks a locked dead letter; false when there is no such lock.</summary>
    public bool TrySettleDeadLetter(string reference, Guid lockToken, bool complete)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var message = _deadLetters.FirstOrDefault(m => m.LockedUntil is { } until && until > now &&
                                                          m.LockToken == lockToken && IsReferencedBy(m, reference));
            if (message is null)
            {
                return false;
            }
            message.LockedUntil = null;
            if (complete)
            {
                _deadLetters.Remove(message);
                message.State = MessageState.Completed;
                _deadLettersCompleted++;
            }
            Pulse();
            return true;
        }
    }

    /// <summary>Dead letters removed by a receiver (completed from the dead-letter sub-queue).</summary>
    public long DeadLettersCompleted { get { lock (_gate) { return _deadLettersCompleted; } } }

    private long _deadLettersCompleted;

    private static bool IsReferencedBy(QueuedMessage message, string reference) =>
        string.Equals(message.MessageId, reference, StringComparison.Ordinal) ||
        (long.TryParse(reference, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence) &&
         sequence == message.SequenceNumber);

    /// <summary>A lock that lapsed (a REST receiver's, or a trigger's past its renewal) counts as a failed delivery, as in Service Bus.</summary>
    private void ReleaseLapsedLocks(DateTimeOffset now)
    {
        foreach (var lapsed in _pending.Where(m => m.State == MessageState.Locked && m.LockedUntil is { } until && until <= now).ToList())
        {
            Abandon(lapsed, lapsed.LapseFailure ?? "the lock expired");
        }
    }

    /// <summary>Completes when the queue may have a message to lock, or after <paramref name="timeout"/>.</summary>
    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _changed.Task;
        }
        return Task.WhenAny(signal, Task.Delay(timeout, _time, cancellationToken));
    }

    /// <summary>How long until the next scheduled or expiring message needs attention (null: nothing pending).</summary>
    public TimeSpan? NextDueIn()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DateTimeOffset? next = null;
            foreach (var m in _pending)
            {
                if (m.State == MessageState.Locked)
                {
                    if (m.LockedUntil is { } until)
                    {
                        next = next is null || until < next ? until : next;
                    }
                    continue;
                }
                var due = m.VisibleAt > now ? m.VisibleAt : m.ExpiresAt;
                next = next is null || due < next ? due : next;
            }
            return next is { } n ? (n > now ? n - now : TimeSpan.Zero) : null;
        }
    }

    public QueueSnapshot Snapshot(bool includeBodies)
    {
        lock (_gate)
        {
            ReleaseLapsedLocks(_time.GetUtcNow());
            ExpireDue(_time.GetUtcNow());
            return new QueueSnapshot(
                Name,
                Settings.MaxDeliveryCount,
                Active: _pending.Count(m => m.State == MessageState.Active),
                Scheduled: _pending.Count(m => m.State == MessageState.Scheduled),
                Locked: _pending.Count(m => m.State == MessageState.Locked),
                Completed: _completedCount,
                DeadLettered: _deadLetters.Count,
                Duplicates: _duplicateCount,
                Messages: _pending.Select(m => MessageSnapshot.Of(m, includeBodies)).ToList(),
                DeadLetters: _deadLetters.Select(m => MessageSnapshot.Of(m, includeBodies)).ToList(),
                RecentlyCompleted: _completed.Reverse().Take(100).Select(m => MessageSnapshot.Of(m, includeBodies)).ToList())
            {
                Status = _status.ToString(),
                Deferred = _pending.Count(m => m.State == MessageState.Deferred),
                Faults = _faults,
                DuplicateDeliveries = _duplicateDeliveries,
            };
        }
    }

    private void ExpireDue(DateTimeOffset now)
    {
        foreach (var expired in _pending.Where(m => m.State != MessageState.Locked && m.ExpiresAt <= now).ToList())
        {
            if (Settings.DeadLetteringOnMessageExpiration)
            {
                DeadLetter(expired, "TTLExpiredException", "The message expired and was dead lettered.");
            }
            else
            {
                _pending.Remove(expired);
                expired.State = MessageState.Completed;
            }
        }
        foreach (var scheduled in _pending.Where(m => m.State == MessageState.Scheduled && m.VisibleAt <= now))
        {
            scheduled.State = MessageState.Active;
        }
    }

    private void DeadLetter(QueuedMessage message, string reason, string description)
    {
        _pending.Remove(message);
        message.State = MessageState.DeadLettered;
        message.DeadLetterReason = reason;
        message.DeadLetterErrorDescription = description;
        _deadLetters.Add(message);
    }

    private void PruneRecentIds(DateTimeOffset now)
    {
        if (_recentIds.Count < 1024)
        {
            return;
        }
        foreach (var stale in _recentIds.Where(p => now - p.Value > Settings.DuplicateDetectionWindow).Select(p => p.Key).ToList())
        {
            _recentIds.Remove(stale);
        }
    }

    private void EnsureLocked(QueuedMessage message)
    {
        if (message.State != MessageState.Locked)
        {
            throw new InvalidOperationException($"Message {message.MessageId} is {message.State}, not locked.");
        }
    }

    private void Pulse()
    {
        var signal = _changed;
        _changed = NewSignal();
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed record QueueSnapshot(
    string Name,
    int MaxDeliveryCount,
    int Active,
    int Scheduled,
    int Locked,
    long Completed,
    int DeadLettered,
    long Duplicates,
    IReadOnlyList<MessageSnapshot> Messages,
    IReadOnlyList<MessageSnapshot> DeadLetters,
    IReadOnlyList<MessageSnapshot> RecentlyCompleted)
{
    /// <summary>The queue's <see cref="EntityStatus"/>.</summary>
    public string Status { get; init; } = nameof(EntityStatus.Active);

    /// <summary>Deferred messages (in <see cref="Messages"/> too, with state Deferred).</summary>
    public int Deferred { get; init; }

    /// <summary>The queue's delivery fault drill.</summary>
    public DeliveryFaults Faults { get; init; } = DeliveryFaults.None;

    /// <summary>Second copies made by <see cref="DeliveryFaults.Duplicate"/> so far.</summary>
    public long DuplicateDeliveries { get; init; }
}

public sealed record MessageSnapshot(
    string MessageId,
    long SequenceNumber,
    string State,
    int DeliveryCount,
    DateTimeOffset EnqueuedTime,
    DateTimeOffset? ScheduledEnqueueTime,
    DateTimeOffset ExpiresAt,
    string? CorrelationId,
    string? Subject,
    string? DeadLetterReason,
    string? DeadLetterErrorDescription,
    IReadOnlyList<string> Failures,
    IReadOnlyDictionary<string, object?> ApplicationProperties,
    string? Body)
{
    /// <summary>True for the second copy of a message made by <see cref="DeliveryFaults.Duplicate"/>.</summary>
    public bool DuplicateDelivery { get; init; }

    internal static MessageSnapshot Of(QueuedMessage m, bool includeBody) => new(
        m.MessageId, m.SequenceNumber, m.State.ToString(), m.DeliveryCount, m.EnqueuedTime, m.Message.ScheduledEnqueueTime,
        m.ExpiresAt, m.Message.CorrelationId, m.Message.Subject, m.DeadLetterReason, m.DeadLetterErrorDescription,
        m.Failures.ToList(), m.Message.ApplicationProperties, includeBody ? System.Text.Encoding.UTF8.GetString(m.Message.Body) : null)
    {
        DuplicateDelivery = m.IsDuplicateDelivery,
    };
}
