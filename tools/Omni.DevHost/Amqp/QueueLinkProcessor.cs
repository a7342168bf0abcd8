using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// Attaches links to queues: a client's sender to <c>queue</c>, a client's receiver from <c>queue</c> or
/// <c>queue/$DeadLetterQueue</c>, each only with a token put on <c>$cbs</c> for it on the same connection. Unknown
/// entities are refused with amqp:not-found; sessions, topics and subscriptions, transactions and other Service Bus
/// features the DevHost does not emulate with amqp:not-implemented, so a client fails at once instead of waiting.
/// </summary>
internal sealed class QueueLinkProcessor(ServiceBusEmulator serviceBus, CbsNode cbs, ILogger logger) : ILinkProcessor
{
    private const string DeadLetterSuffix = "/$DeadLetterQueue";
    private static readonly Symbol SessionFilter = "com.microsoft:session-filter";

    public void Process(AttachContext attachContext)
    {
        var attach = attachContext.Attach;
        try
        {
            attachContext.Complete(Attach(attachContext.Link, attach), attach.Role ? 0 : QueueSenderEndpoint.Credit);
        }
        catch (AmqpException e)
        {
            logger.LogDebug("AMQP attach of {Link} refused: {Condition} {Description}", attach.LinkName, e.Error.Condition, e.Error.Description);
            attachContext.Complete(e.Error);
        }
    }

    private LinkEndpoint Attach(ListenerLink link, Attach attach)
    {
        // Role true: the client receives, so the queue is the link's source.
        var receiving = attach.Role;
        if (!receiving && attach.Target is global::Amqp.Transactions.Coordinator)
        {
            throw NotImplemented("Transactions are not supported by the DevHost's Service Bus emulator.");
        }
        var address = AmqpFront.EntityPath(receiving ? (attach.Source as Source)?.Address : (attach.Target as Target)?.Address);
        if (address.Length == 0)
        {
            throw new AmqpException(ErrorCode.InvalidField, "The link has no address: attach to a queue name.");
        }
        var deadLetter = address.EndsWith(DeadLetterSuffix, StringComparison.OrdinalIgnoreCase);
        var queueName = deadLetter ? address[..^DeadLetterSuffix.Length] : address;
        if (queueName.Contains('/'))
        {
            throw queueName.Contains("/subscriptions/", StringComparison.OrdinalIgnoreCase) || address.EndsWith("$management", StringComparison.OrdinalIgnoreCase)
                ? NotImplemented($"'{address}' is not supported by the DevHost's Service Bus emulator (queues and their dead-letter sub-queues only; no topics or subscriptions).")
                : NotFound(address);
        }
        var queue = serviceBus.GetQueue(queueName) ?? throw NotFound(address);
        // The SDK sizes its batches by the max-message-size of the broker's attach.
        attach.MaxMessageSize = (ulong)queue.Settings.MaxMessageSizeBytes;
        if (cbs.Authorize(link.Session.Connection, address) is { } denied)
        {
            throw new AmqpException(ErrorCode.UnauthorizedAccess, $"Unauthorized access to '{address}': {denied}");
        }
        if (receiving)
        {
            if ((attach.Source as Source)?.FilterSet is { } filters && filters.ContainsKey(SessionFilter))
            {
                throw NotImplemented($"Sessions are not supported by the DevHost's Service Bus emulator (a session receiver on '{address}').");
            }
            if (queue.ReceiveDisabled)
            {
                throw new AmqpException(AmqpErrors.EntityDisabled, $"Receiving from queue '{queue.Name}' is disabled.");
            }
            return new QueueReceiverEndpoint(queue, deadLetter, link, logger);
        }
        if (deadLetter)
        {
            throw new AmqpException(ErrorCode.NotAllowed, $"Cannot send to '{address}': a dead-letter sub-queue only receives.");
        }
        return new QueueSenderEndpoint(queue, logger);
    }

    private static AmqpException NotFound(string address) =>
        new(ErrorCode.NotFound, $"The messaging entity '{address}' could not be found. Add the queue to infra/queues.json.");

    private static AmqpException NotImplemented(string description) => new(ErrorCode.NotImplemented, description);
}
