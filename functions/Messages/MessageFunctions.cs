using System.Text.Json;
using Omni.Core.Messages;
using Omni.Functions.Hosting;
using Omni.Functions.Operations;
using Omni.Hosting;
using Omni.Core;

namespace Omni.Functions.Messages;

/// <summary>
/// RouteMessage (queue <c>outbound</c>): decide the plan of a message and queue its first step(s). A request that breaks
/// the contract (not JSON, unknown members, invalid fields, no usable id) is copied to
/// <see cref="ContractViolations.Queue"/> and, when it has a usable id, recorded as <c>rejected</c>; see
/// <see cref="OutboundPipeline.RouteAsync"/>. A replayed copy (application property <c>ReplayOf</c>) is routed under the
/// id of the message it replays.
/// </summary>
public sealed class RouteMessageFunction(OutboundPipeline pipeline, ILogger<RouteMessageFunction> logger) : IServiceBusFunction
{
    public const string Name = "RouteMessage";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        var queueMessageId = message.ApplicationProperties.GetValueOrDefault(DeadLettersApi.ReplayOfProperty) as string is { Length: > 0 } replayOf
            ? replayOf
            : message.MessageId;
        await pipeline.RouteAsync(message.Body, queueMessageId, cancellationToken,
            (description, ct) => ContractViolations.SendAsync(pipeline.ServiceBus, logger, Name, message, description, ct));
        return new InvocationResult();
    }
}

/// <summary>
/// SendSms / SendEmail / SendWhatsApp / SendWebhook (queues <c>send-*</c>): send one step of a plan. A body that is not
/// a <see cref="SendStepCommand"/> (<see cref="QueueBody.ParseStep"/>) is copied to <see cref="ContractViolations.Queue"/>.
/// </summary>
public sealed class SendStepFunction(OutboundPipeline pipeline, ILogger<SendStepFunction> logger, [ServiceKey] string name) : IServiceBusFunction
{
    public static readonly string[] Names = ["SendSms", "SendEmail", "SendWhatsApp", "SendWebhook"];

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        SendStepCommand command;
        try
        {
            var (messageId, step) = QueueBody.ParseStep(message.Body.Span, nameof(SendStepCommand));
            command = new SendStepCommand(messageId, step);
        }
        catch (QueueContractException e)
        {
            await ContractViolations.SendAsync(pipeline.ServiceBus, logger, name, message, e.Message, cancellationToken);
            return new InvocationResult();
        }
        await pipeline.SendStepAsync(command, message.DeliveryCount, cancellationToken);
        return new InvocationResult();
    }
}

/// <summary>EscalateMessage (queue <c>escalations</c>): a step's deadline passed. A body that is not an <see cref="EscalationCheck"/> is copied to <see cref="ContractViolations.Queue"/>.</summary>
public sealed class EscalateMessageFunction(OutboundPipeline pipeline, ILogger<EscalateMessageFunction> logger) : IServiceBusFunction
{
    public const string Name = "EscalateMessage";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        EscalationCheck check;
        try
        {
            var (messageId, step) = QueueBody.ParseStep(message.Body.Span, nameof(EscalationCheck));
            check = new EscalationCheck(messageId, step);
        }
        catch (QueueContractException e)
        {
            await ContractViolations.SendAsync(pipeline.ServiceBus, logger, Name, message, e.Message, cancellationToken);
            return new InvocationResult();
        }
        await pipeline.EscalateAsync(check, cancellationToken);
        return new InvocationResult();
    }
}

/// <summary>ProcessInbound (queue <c>inbound</c>): normalised provider events. A body that is not an <see cref="InboundEvent"/> is copied to <see cref="ContractViolations.Queue"/>.</summary>
public sealed class ProcessInboundFunction(OutboundPipeline pipeline, Inbound.InboundProcessor processor, ILogger<ProcessInboundFunction> logger) : IServiceBusFunction
{
    public const string Name = "ProcessInbound";

    /// <summary>
    /// A report for a provider id Omni does not know yet (the send may still be recording it, or its answer was lost and
    /// the send is being retried) is re-queued this many times, each a scheduled copy (<see cref="UnknownReportDelay"/>):
    /// an abandoned message comes back at once, so retrying by delivery count would give up within milliseconds.
    /// </summary>
    public const int UnknownReportRetries = 9;

    /// <summary>The application property counting the re-queues of an unknown report.</summary>
    public const string UnknownReportRetryProperty = "OmniUnknownReportRetry";

    /// <summary>Delay before re-queue <paramref name="retry"/> (0-based): 1, 2, 4 … 32 s, then 60 s — about 4 minutes in all.</summary>
    public static TimeSpan UnknownReportDelay(int retry) => TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(retry, 6)));

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        InboundEvent inbound;
        try
        {
            inbound = QueueBody.ParseInbound(message.Body.Span);
        }
        catch (QueueContractException e)
        {
            await ContractViolations.SendAsync(pipeline.ServiceBus, logger, Name, message, e.Message, cancellationToken);
            return new InvocationResult();
        }
        if (await processor.IsReplayAsync(inbound, cancellationToken))
        {
            return new InvocationResult();
        }
        Inbound.InboundOutcome? outcome = null;
        switch (inbound.Kind)
        {
            case InboundEventKind.Delivery or InboundEventKind.Engagement:
                if (!await pipeline.ApplyReportAsync(inbound, cancellationToken))
                {
                    await RequeueUnknownReportAsync(message, inbound, cancellationToken);
                    // No app event yet: the report is published when it is applied (or never, when it names no send of Omni's).
                    return new InvocationResult();
                }
                break;
            default:
                // Inbound messages: contact, timeline, reply threading, STOP/START/HELP (functions/Inbound, docs/inbound.md).
                outcome = await processor.ProcessMessageAsync(inbound, cancellationToken);
                break;
        }
        // App event webhooks (docs/inbound.md): every event handled above, once (MessageId = event id); off without AppEvents__Url.
        await processor.PublishAppEventAsync(inbound, outcome, cancellationToken);
        await processor.MarkProcessedAsync(inbound, cancellationToken);
        return new InvocationResult();
    }

    private async Task RequeueUnknownReportAsync(ServiceBusTriggerMessage message, InboundEvent inbound, CancellationToken cancellationToken)
    {
        var retry = RetryOf(message);
        if (retry >= UnknownReportRetries)
        {
            logger.LogWarning("Report {EventId} names a {Provider} message Omni did not send (re-queued {Retries} times); ignored.", inbound.Id, inbound.Provider, retry);
            return;
        }
        // A copy with its own MessageId (duplicate detection would drop the same id) and the retry count; if scheduling
        // fails the invocation fails and the host redelivers this message, so the report is never lost on the way.
        var copy = new global::Omni.Azure.ServiceBus.ServiceBusMessage(message.Body)
        {
            MessageId = $"{inbound.Id}~retry{retry + 1}",
            ContentType = message.ContentType ?? "application/json",
            CorrelationId = message.CorrelationId,
        };
        foreach (var (key, value) in message.ApplicationProperties)
        {
            copy.ApplicationProperties[key] = value;
        }
        copy.ApplicationProperties[UnknownReportRetryProperty] = retry + 1;
        await pipeline.ServiceBus.CreateSender(OmniQueues.Inbound)
            .ScheduleMessageAsync(copy, DateTimeOffset.UtcNow + UnknownReportDelay(retry), cancellationToken);
        logger.LogInformation("Report {EventId} names a {Provider} message not indexed yet; re-queued (retry {Retry}).", inbound.Id, inbound.Provider, retry + 1);
    }

    private static int RetryOf(ServiceBusTriggerMessage message) =>
        message.ApplicationProperties.TryGetValue(UnknownReportRetryProperty, out var value) && value is not null
            && int.TryParse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var retry)
            && retry >= 0
            ? retry
            : 0;
}

public sealed class UnknownProviderMessageException(string eventId)
    : Exception($"Event {eventId} names a provider message id that is not indexed yet; retrying.");

/// <summary>The contracts of the pipeline's queue bodies; a body that breaks one throws <see cref="QueueContractException"/>.</summary>
internal static class QueueBody
{
    /// <summary>The most a step number can be (plans are far shorter).</summary>
    public const int MaxStep = 1000;

    /// <summary>
    /// A <see cref="SendStepCommand"/> or <see cref="EscalationCheck"/> body: a JSON object with <c>messageId</c> (a
    /// valid message id) and <c>step</c> (a whole number 0–<see cref="MaxStep"/>), names case-insensitive; other members
    /// are ignored.
    /// </summary>
    public static (string MessageId, int Step) ParseStep(ReadOnlySpan<byte> body, string expected)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new QueueContractException(ContractViolations.Describe(expected, e));
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new QueueContractException($"The body is not a valid {expected}: a JSON object is required, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }
            JsonElement? messageId = null, step = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, "messageId", StringComparison.OrdinalIgnoreCase))
                {
                    messageId = property.Value;
                }
                else if (string.Equals(property.Name, "step", StringComparison.OrdinalIgnoreCase))
                {
                    step = property.Value;
                }
            }
            if (messageId is not { ValueKind: JsonValueKind.String } id || !MessageRequestValidator.IsValidId(id.GetString()!))
            {
                throw new QueueContractException($"The body is not a valid {expected}: messageId is required, 1–{MessageRequestValidator.MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
            }
            if (step is not { ValueKind: JsonValueKind.Number } number || !number.TryGetInt32(out var n) || n is < 0 or > MaxStep)
            {
                throw new QueueContractException($"The body is not a valid {expected}: step is required, a whole number from 0 to {MaxStep}.");
            }
            return (id.GetString()!, n);
        }
    }

    /// <summary>
    /// An <see cref="InboundEvent"/> body: its required members present (id, kind, provider, channel), kind and channel
    /// known, id and provider not empty.
    /// </summary>
    public static InboundEvent ParseInbound(ReadOnlySpan<byte> body)
    {
        InboundEvent? inbound;
        try
        {
            inbound = JsonSerializer.Deserialize(body, MessageJson.Options.TypeInfo<InboundEvent>());
        }
        catch (JsonException e)
        {
            throw new QueueContractException(ContractViolations.Describe(nameof(InboundEvent), e));
        }
        if (inbound is null)
        {
            throw new QueueContractException($"The body is not a valid {nameof(InboundEvent)}: a JSON object is required, not null.");
        }
        if (string.IsNullOrWhiteSpace(inbound.Id) || string.IsNullOrWhiteSpace(inbound.Provider))
        {
            throw new QueueContractException($"The body is not a valid {nameof(InboundEvent)}: id and provider must not be empty.");
        }
        if (!Enum.IsDefined(inbound.Kind) || !Enum.IsDefined(inbound.Channel))
        {
            throw new QueueContractException($"The body is not a valid {nameof(InboundEvent)}: kind or channel is not a known value.");
        }
        return inbound;
    }
}
