using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// A client's sender link to a queue: every transfer (one message, or a batch) is enqueued as a REST send would be
/// (duplicate detection, scheduling, TTL) and accepted; a disabled queue, an oversized message or an undecodable batch
/// is rejected with the error Service Bus gives.
/// </summary>
internal sealed class QueueSenderEndpoint(EmulatedQueue queue, ILogger logger) : LinkEndpoint
{
    public const int Credit = 100;

    public override void OnMessage(MessageContext context)
    {
        if (queue.SendDisabled)
        {
            context.Complete(new Error(AmqpErrors.EntityDisabled) { Description = $"Sending to queue '{queue.Name}' is disabled." });
            return;
        }
        IReadOnlyList<IncomingMessage> messages;
        try
        {
            messages = AmqpMessageMapping.FromAmqp(context.Message);
        }
        catch (AmqpException e)
        {
            context.Complete(e.Error);
            return;
        }
        var limit = queue.Settings.MaxMessageSizeBytes;
        if (messages.Sum(m => (long)m.Body.Length) > limit)
        {
            context.Complete(new Error(ErrorCode.MessageSizeExceeded) { Description = $"The message is larger than the queue's {limit}-byte limit." });
            return;
        }
        var sessionful = messages.FirstOrDefault(m => m.SessionId is not null && m.PartitionKey is not null && m.SessionId != m.PartitionKey);
        if (sessionful is not null)
        {
            context.Complete(new Error(ErrorCode.InvalidField) { Description = "SessionId and PartitionKey must match when both are set." });
            return;
        }
        var duplicates = messages.Count(m => queue.Enqueue(m) == EnqueueOutcome.Duplicate);
        if (duplicates > 0)
        {
            logger.LogDebug("Queue {Queue}: {Count} duplicate message(s) dropped (AMQP send)", queue.Name, duplicates);
        }
        context.Complete();
    }

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }
}
