using Omni.Azure.ServiceBus;
using Omni.Channels.Inbound;
using Omni.Core.Messages;

namespace Omni.Functions.Webhooks;

/// <summary>
/// How normalised provider events reach the <c>inbound</c> queue, for the webhooks and for AcsEventQueue alike: one
/// batch, Service Bus MessageId = event id, so a provider's (or Event Grid's) repeat is dropped by duplicate detection.
/// Only event ids and the parser's reasons are logged, never addresses or text.
/// </summary>
public static class InboundQueue
{
    // Parsed once (not per event batch): the per-acknowledgement Information line.
    private static readonly Action<ILogger, string, int, string, Exception?> LogEnqueued =
        LoggerMessage.Define<string, int, string>(LogLevel.Information, default, "{Function}: enqueued {Count} event(s): {Ids}");

    /// <summary>
    /// Logs what <paramref name="result"/> ignored, then sends its events (if any) and logs their ids. Throws when
    /// Service Bus fails: the caller decides whether that is a 503 or a failed invocation.
    /// </summary>
    public static async Task EnqueueAsync(string function, InboundParseResult result, ServiceBusClient serviceBus, ILogger logger,
        CancellationToken cancellationToken)
    {
        foreach (var reason in result.Ignored)
        {
            logger.LogInformation("{Function}: ignored {Reason}", function, reason);
        }
        if (result.Events.Count == 0)
        {
            return;
        }
        await SendAsync(serviceBus, result.Events, cancellationToken);
        if (logger.IsEnabled(LogLevel.Information))
        {
            // The id list is only built when the line is written.
            LogEnqueued(logger, function, result.Events.Count, string.Join(", ", result.Events.Select(e => e.Id)), null);
        }
    }

    /// <summary>One batch; only when it is over the size limit, one message at a time (each is far below it).</summary>
    private static async Task SendAsync(ServiceBusClient serviceBus, IReadOnlyList<InboundEvent> events, CancellationToken cancellationToken)
    {
        var sender = serviceBus.CreateSender(OmniQueues.Inbound);
        var messages = events.Select(ToMessage).ToList();
        try
        {
            await sender.SendMessagesAsync(messages, cancellationToken);
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageSizeExceeded && messages.Count > 1)
        {
            foreach (var message in messages)
            {
                await sender.SendMessageAsync(message, cancellationToken);
            }
        }
    }

    internal static ServiceBusMessage ToMessage(InboundEvent inboundEvent) => new(InboundEventJson.Serialize(inboundEvent))
    {
        MessageId = inboundEvent.Id,
        ContentType = "application/json",
        Subject = inboundEvent.Kind switch
        {
            InboundEventKind.Delivery => "delivery",
            InboundEventKind.Engagement => "engagement",
            _ => "message",
        },
    };
}
