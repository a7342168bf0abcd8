using Omni.Azure.ServiceBus;
using Omni.Channels.Inbound;
using Omni.Functions.Hosting;
using Omni.Functions.Operations;
using Omni.Functions.Webhooks;
using Omni.Hosting;

namespace Omni.Functions.AcsEventQueue;

/// <summary>
/// AcsEventQueue (queue <c>acs-events</c>): ACS events as Event Grid delivers them to a Service Bus queue, one Event
/// Grid schema event per message (an array or a CloudEvent is read too). They are normalised by the parser of the
/// AcsEvents webhook and put on <c>inbound</c> the same way (<see cref="InboundQueue"/>), so both paths yield the same
/// messages. There is no secret: only identities holding Service Bus Data Sender can write the queue. A body the parser
/// cannot read is a contract violation (copied once to <see cref="ContractViolations.Queue"/> and completed); a
/// subscription validation event is ignored; a Service Bus failure throws, so the host abandons and redelivers.
/// </summary>
public sealed class AcsEventQueueFunction(ServiceBusClient serviceBus, TimeProvider time, ILogger<AcsEventQueueFunction> logger) : IServiceBusFunction
{
    public const string Name = "AcsEventQueue";

    /// <summary>The queue the ACS system topic's event subscription delivers to (infra/queues.json).</summary>
    public const string Queue = "acs-events";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        var result = AcsEventGridWebhook.Parse(message.Body, time.GetUtcNow(), fromQueue: true);
        if (result.Outcome == InboundOutcome.Malformed)
        {
            await ContractViolations.SendAsync(serviceBus, logger, Name, message, result.Reason ?? "The body is not an Event Grid event.", cancellationToken);
            return new InvocationResult();
        }
        await InboundQueue.EnqueueAsync(Name, result, serviceBus, logger, cancellationToken);
        return new InvocationResult();
    }
}
