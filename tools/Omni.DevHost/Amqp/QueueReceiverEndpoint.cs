using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// A client's receiver link on a queue or its dead-letter sub-queue. Delivers only what the link has credit for
/// (draining when asked), in peek-lock (the delivery tag and <c>x-opt-lock-token</c> carry the lock token; the
/// client's disposition settles: accepted = complete, released or modified = abandon, modified undeliverable-here =
/// defer, rejected with <c>com.microsoft:dead-letter</c> = dead-letter) or receive-and-delete (sent settled, gone).
/// A settlement whose lock was lost is answered with <c>com.microsoft:message-lock-lost</c>.
/// </summary>
internal sealed class QueueReceiverEndpoint : LinkEndpoint
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>The lock token of each delivery in flight, read when the delivery's tag is set (<see cref="DeliveryTagHandler"/>).</summary>
    internal static readonly ConditionalWeakTable<Message, object> LockTokens = new();

    private readonly EmulatedQueue _queue;
    private readonly bool _deadLetter;
    private readonly ListenerLink _link;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Message, (QueuedMessage Queued, Guid LockToken)> _unsettled = new(ReferenceEqualityComparer.Instance);
    private TaskCompletionSource _wake = NewSignal();
    private readonly CancellationTokenSource _closed = new();
    private readonly object _gate = new();
    private int _credit;

    public QueueReceiverEndpoint(EmulatedQueue queue, bool deadLetter, ListenerLink link, ILogger logger)
    {
        _queue = queue;
        _deadLetter = deadLetter;
        _link = link;
        _logger = logger;
        _ = Task.Run(PumpAsync);
    }

    private bool ReceiveAndDelete => _link.SettleOnSend;

    public override void OnFlow(FlowContext flowContext)
    {
        lock (_gate)
        {
            // Mirrors the link's own count, which a flow that adds nothing resets to zero.
            _credit = flowContext.Messages > 0 ? _credit + flowContext.Messages : 0;
        }
        Wake();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake() => Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();

    public override void OnLinkClosed(ListenerLink link, Error error)
    {
        // Locks outlive the link, as in Service Bus: they lapse at the lock duration or are settled by lock token.
        _closed.Cancel();
        Wake();
    }

    private async Task PumpAsync()
    {
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                // Taken before looking at the credit, so a flow arriving meanwhile is not missed.
                var woken = Volatile.Read(ref _wake).Task;
                if (TakeCredit())
                {
                    if (TryTake(out var queued))
                    {
                        Deliver(queued);
                        continue;
                    }
                    lock (_gate)
                    {
                        _credit++;
                    }
                }
                if (_link.IsDraining)
                {
                    lock (_gate)
                    {
                        _credit = 0;
                    }
                    _link.CompleteDrain();
                }
                var wait = _queue.NextDueIn() is { } due && due < Poll ? due + TimeSpan.FromMilliseconds(5) : Poll;
                var change = HasCredit() ? _queue.WaitForChangeAsync(wait, _closed.Token) : woken;
                await Task.WhenAny(woken, change);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is AmqpException or ObjectDisposedException)
        {
            _logger.LogDebug("AMQP receiver on {Queue} stopped: {Reason}", _queue.Name, e.Message);
        }
    }

    private bool TakeCredit()
    {
        lock (_gate)
        {
            if (_credit <= 0)
            {
                return false;
            }
            _credit--;
            return true;
        }
    }

    private bool HasCredit()
    {
        lock (_gate)
        {
            return _credit > 0;
        }
    }

    private bool TryTake(out QueuedMessage queued)
    {
        if (_queue.ReceiveDisabled)
        {
            queued = null!;
            return false;
        }
        if (_deadLetter)
        {
            if (!_queue.TryLockDeadLetter(out queued))
            {
                return false;
            }
            return !ReceiveAndDelete || _queue.TrySettleDeadLetter(SequenceOf(queued), queued.LockToken, complete: true);
        }
        if (ReceiveAndDelete)
        {
            if (!_queue.TryLock(out queued))
            {
                return false;
            }
            _queue.Complete(queued);
            return true;
        }
        return _queue.TryLockForReceiver(out queued);
    }

    private void Deliver(QueuedMessage queued)
    {
        var message = AmqpMessageMapping.ToAmqp(queued, deadLetterSource: null);
        var lockToken = queued.LockToken;
        LockTokens.AddOrUpdate(message, lockToken);
        if (!ReceiveAndDelete)
        {
            _unsettled[message] = (queued, lockToken);
        }
        _link.SendMessage(message);
    }

    public override void OnDisposition(DispositionContext context)
    {
        if (!_unsettled.TryRemove(context.Message, out var delivery))
        {
            return;
        }
        var (queued, lockToken) = delivery;
        var state = context.DeliveryState;
        bool settled;
        string? unsupported = null;
        switch (state)
        {
            case Accepted:
                settled = _deadLetter
                    ? _queue.TrySettleDeadLetter(SequenceOf(queued), lockToken, complete: true)
                    : _queue.TryComplete(queued, lockToken);
                break;
            case Rejected rejected when (string?)rejected.Error?.Condition == AmqpErrors.DeadLetter:
                if (_deadLetter)
                {
                    unsupported = "A message in the dead-letter sub-queue cannot be dead-lettered again.";
                    settled = false;
                    break;
                }
                var info = AmqpMessageMapping.PropertyChanges(rejected.Error.Info);
                var changes = info?.Where(p => p.Key is not ("DeadLetterReason" or "DeadLetterErrorDescription"))
                    .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                settled = _queue.TryDeadLetter(queued, lockToken, info?.GetValueOrDefault("DeadLetterReason") as string,
                    info?.GetValueOrDefault("DeadLetterErrorDescription") as string, changes);
                break;
            case Modified { UndeliverableHere: true } modified:
                if (_deadLetter)
                {
                    unsupported = "Deferring a message in the dead-letter sub-queue is not supported by the DevHost.";
                    settled = false;
                    break;
                }
                settled = _queue.TryDefer(queued, lockToken, AmqpMessageMapping.PropertyChanges(modified.MessageAnnotations));
                break;
            case Modified modified:
                settled = Abandon(queued, lockToken, AmqpMessageMapping.PropertyChanges(modified.MessageAnnotations));
                break;
            case Released:
                settled = Abandon(queued, lockToken, null);
                break;
            default:
                unsupported = $"The DevHost does not support the outcome {state?.GetType().Name ?? "none"} here.";
                settled = false;
                break;
        }
        if (context.Settled)
        {
            return; // the client settled first: nothing to answer
        }
        if (unsupported is not null)
        {
            _link.DisposeMessage(context.Message, new Rejected { Error = new Error(ErrorCode.NotImplemented) { Description = unsupported } }, true);
        }
        else if (settled)
        {
            // The client's own outcome settles it, except that a rejected outcome back means failure to the SDK.
            _link.DisposeMessage(context.Message, state is Rejected ? new Accepted() : state, true);
        }
        else
        {
            _link.DisposeMessage(context.Message, new Rejected
            {
                Error = new Error(AmqpErrors.MessageLockLost)
                {
                    Description = $"The lock supplied is invalid: it expired, or the message was already settled (queue '{_queue.Name}', sequence number {queued.SequenceNumber}).",
                },
            }, true);
        }
    }

    private bool Abandon(QueuedMessage queued, Guid lockToken, IReadOnlyDictionary<string, object?>? changes) => _deadLetter
        ? _queue.TrySettleDeadLetter(SequenceOf(queued), lockToken, complete: false)
        : _queue.TryAbandon(queued, lockToken, "abandoned by an AMQP receiver", changes);

    private static string SequenceOf(QueuedMessage queued) => queued.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Sets each delivery's tag to its lock token's bytes, as Service Bus does (the SDK reads the lock token from it).</summary>
internal sealed class DeliveryTagHandler : global::Amqp.Handler.IHandler
{
    public static readonly DeliveryTagHandler Instance = new();

    public bool CanHandle(global::Amqp.Handler.EventId id) => id == global::Amqp.Handler.EventId.SendDelivery;

    public void Handle(global::Amqp.Handler.Event protocolEvent)
    {
        if (protocolEvent.Context is global::Amqp.Handler.IDelivery { Message: { } message } delivery &&
            QueueReceiverEndpoint.LockTokens.TryGetValue(message, out var token))
        {
            delivery.Tag = ((Guid)token).ToByteArray();
        }
    }
}

/// <summary>Service Bus's AMQP error conditions.</summary>
internal static class AmqpErrors
{
    public const string DeadLetter = "com.microsoft:dead-letter";
    public const string MessageLockLost = "com.microsoft:message-lock-lost";
    public const string EntityDisabled = "com.microsoft:entity-disabled";
}
