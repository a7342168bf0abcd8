using System.Text.Json;
using Omni.Core.Messages;
using Omni.Functions.Hosting;
using Omni.Hosting;

namespace Omni.Functions.Messages;

/// <summary>RouteMessage (queue <c>outbound</c>): decide the plan of a message and queue its first step(s).</summary>
public sealed class RouteMessageFunction(OutboundPipeline pipeline) : IServiceBusFunction
{
    public const string Name = "RouteMessage";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        await pipeline.RouteAsync(message.Body, message.MessageId, cancellationToken);
        return new InvocationResult();
    }
}

/// <summary>SendSms / SendEmail / SendWhatsApp / SendWebhook (queues <c>send-*</c>): send one step of a plan.</summary>
public sealed class SendStepFunction(OutboundPipeline pipeline, ILogger<SendStepFunction> logger) : IServiceBusFunction
{
    public static readonly string[] Names = ["SendSms", "SendEmail", "SendWhatsApp", "SendWebhook"];

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        if (QueueBody.Parse<SendStepCommand>(message, logger) is not { MessageId: { } } command)
        {
            return new InvocationResult();
        }
        await pipeline.SendStepAsync(command, message.DeliveryCount, cancellationToken);
        return new InvocationResult();
    }
}

/// <summary>EscalateMessage (queue <c>escalations</c>): a step's deadline passed.</summary>
public sealed class EscalateMessageFunction(OutboundPipeline pipeline, ILogger<EscalateMessageFunction> logger) : IServiceBusFunction
{
    public const string Name = "EscalateMessage";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        if (QueueBody.Parse<EscalationCheck>(message, logger) is not { MessageId: { } } check)
        {
            return new InvocationResult();
        }
        await pipeline.EscalateAsync(check, cancellationToken);
        return new InvocationResult();
    }
}

/// <summary>ProcessInbound (queue <c>inbound</c>): normalised provider events.</summary>
public sealed class ProcessInboundFunction(OutboundPipeline pipeline, Inbound.InboundProcessor processor, ILogger<ProcessInboundFunction> logger) : IServiceBusFunction
{
    public const string Name = "ProcessInbound";

    /// <summary>A report for a provider id Omni does not know yet is retried this many deliveries (the send may still be recording it).</summary>
    public const int UnknownReportDeliveries = 3;

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        if (QueueBody.Parse<InboundEvent>(message, logger) is not { } inbound)
        {
            return new InvocationResult();
        }
        Inbound.InboundOutcome? outcome = null;
        switch (inbound.Kind)
        {
            case InboundEventKind.Delivery or InboundEventKind.Engagement:
                if (!await pipeline.ApplyReportAsync(inbound, cancellationToken))
                {
                    if (message.DeliveryCount < UnknownReportDeliveries)
                    {
                        throw new UnknownProviderMessageException(inbound.Id);
                    }
                    logger.LogWarning("Report {EventId} names a {Provider} message Omni did not send; ignored.", inbound.Id, inbound.Provider);
                }
                break;
            default:
                // Inbound messages: contact, timeline, reply threading, STOP/START/HELP (functions/Inbound, docs/inbound.md).
                outcome = await processor.ProcessMessageAsync(inbound, cancellationToken);
                break;
        }
        // App event webhooks (docs/inbound.md): every event handled above, once (MessageId = event id); off without AppEvents__Url.
        await processor.PublishAppEventAsync(inbound, outcome, cancellationToken);
        return new InvocationResult();
    }
}

public sealed class UnknownProviderMessageException(string eventId)
    : Exception($"Event {eventId} names a provider message id that is not indexed yet; retrying.");

internal static class QueueBody
{
    /// <summary>The body as <typeparamref name="T"/>, or null (logged) when it is not one: such a message is completed, never retried.</summary>
    public static T? Parse<T>(ServiceBusTriggerMessage message, ILogger logger) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(message.Body.Span, MessageJson.Options);
        }
        catch (JsonException e)
        {
            logger.LogError("Queue message {MessageId} is not a {Type}: {Error}", message.MessageId, typeof(T).Name, e.Message);
            return null;
        }
    }
}
