using System.Text.Json;
using Omni.Azure.ServiceBus;
using Omni.Core.Messages;
using Omni.Hosting;

namespace Omni.Functions.Operations;

/// <summary>
/// Omni's own dead letter for queue messages that break their queue's contract (not JSON, wrong shape, a required
/// field missing or invalid, an unknown kind). A custom handler cannot dead-letter (the host settles; a failure only
/// abandons, so the message would be retried up to maxDeliveryCount for nothing). Instead the function sends a copy to
/// the queue <see cref="Queue"/> and completes the original after one delivery:
/// <list type="bullet">
/// <item>the copy has the same body bytes, MessageId (a redelivery's second copy is dropped by duplicate detection),
/// content type, correlation id, subject, reply-to, to and application properties, plus
/// <see cref="ReasonProperty"/> = <see cref="Reason"/>, <see cref="DescriptionProperty"/> (which field, which rule —
/// never a value), <see cref="SourceProperty"/> (the original queue), <see cref="FunctionProperty"/> and
/// <see cref="DeliveryCountProperty"/>;</item>
/// <item>if sending the copy fails the exception propagates: the invocation fails and the host redelivers the
/// original, so a violating message is never lost.</item>
/// </list>
/// The operations API (<see cref="DeadLettersApi"/>) lists the queue, replays a copy to its original queue and discards.
/// Transient failures (storage, providers, unknown ids) are not violations: they keep throwing and being retried.
/// </summary>
public static class ContractViolations
{
    /// <summary>The queue of the copies (infra/queues.json; no function is triggered by it).</summary>
    public const string Queue = "contract-violations";

    /// <summary>The value of <see cref="ReasonProperty"/> on every copy.</summary>
    public const string Reason = "ContractViolation";

    public const string ReasonProperty = ServiceBusReceivedMessage.DeadLetterReasonProperty;
    public const string DescriptionProperty = ServiceBusReceivedMessage.DeadLetterErrorDescriptionProperty;

    /// <summary>The queue the message was taken from, where a replay sends it back.</summary>
    public const string SourceProperty = "DeadLetterSource";

    /// <summary>The function whose contract the message broke.</summary>
    public const string FunctionProperty = "DeadLetterFunction";

    /// <summary>The delivery of the original that found the violation (1 unless an earlier copy could not be sent).</summary>
    public const string DeliveryCountProperty = "DeadLetterDeliveryCount";

    /// <summary>The properties a copy gets on top of the original's; a replay removes them again.</summary>
    public static readonly IReadOnlyList<string> AddedProperties =
        [ReasonProperty, DescriptionProperty, SourceProperty, FunctionProperty, DeliveryCountProperty];

    /// <summary>Descriptions are cut to this many characters (Service Bus headers are limited).</summary>
    public const int MaxDescriptionLength = 1024;

    /// <summary>The queue of every Service Bus-triggered function (a test keeps it equal to the function.json files).</summary>
    public static readonly IReadOnlyDictionary<string, string> FunctionQueues = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["RouteMessage"] = OmniQueues.Outbound,
        ["SendSms"] = OmniQueues.SendSms,
        ["SendEmail"] = OmniQueues.SendEmail,
        ["SendWhatsApp"] = OmniQueues.SendWhatsApp,
        ["SendWebhook"] = OmniQueues.SendWebhook,
        ["EscalateMessage"] = OmniQueues.Escalations,
        ["ProcessInbound"] = OmniQueues.Inbound,
        ["SendAppEvent"] = "app-events",
        ["Echo"] = "echo",
        [AcsEventQueue.AcsEventQueueFunction.Name] = AcsEventQueue.AcsEventQueueFunction.Queue,
    };

    /// <summary>
    /// Sends the copy of <paramref name="message"/> (taken by <paramref name="function"/>) to <see cref="Queue"/> and
    /// logs the violation without personal data. Throws when the send fails, so the caller's invocation fails.
    /// </summary>
    public static async Task SendAsync(ServiceBusClient serviceBus, ILogger logger, string function, ServiceBusTriggerMessage message,
        string description, CancellationToken cancellationToken)
    {
        var queue = FunctionQueues.TryGetValue(function, out var known) ? known : throw new ArgumentException($"Unknown function '{function}'.", nameof(function));
        await serviceBus.CreateSender(Queue).SendMessageAsync(Copy(function, queue, message, description), cancellationToken);
        logger.LogWarning("Message {MessageId} (delivery {DeliveryCount}) on {Queue} violates the contract of {Function}: {Description} Copied to {ViolationsQueue}; completed.",
            message.MessageId, message.DeliveryCount, queue, function, Trim(description), Queue);
    }

    /// <summary>The copy that <see cref="SendAsync"/> sends.</summary>
    public static ServiceBusMessage Copy(string function, string queue, ServiceBusTriggerMessage message, string description)
    {
        var copy = new ServiceBusMessage(message.Body)
        {
            MessageId = message.MessageId,
            ContentType = message.ContentType,
            CorrelationId = message.CorrelationId,
            Subject = message.Subject,
            SessionId = message.SessionId,
            ReplyTo = message.ReplyTo,
            To = message.To,
        };
        foreach (var (key, value) in message.ApplicationProperties)
        {
            copy.ApplicationProperties[key] = value;
        }
        copy.ApplicationProperties[ReasonProperty] = Reason;
        copy.ApplicationProperties[DescriptionProperty] = Trim(description);
        copy.ApplicationProperties[SourceProperty] = queue;
        copy.ApplicationProperties[FunctionProperty] = function;
        copy.ApplicationProperties[DeliveryCountProperty] = (long)message.DeliveryCount;
        return copy;
    }

    /// <summary>Why a body is not JSON of the expected shape: the JSON path and line, never a value.</summary>
    public static string Describe(string expected, JsonException e) =>
        $"The body is not a valid {expected}: {Http.JsonBody.Describe(e)}";

    /// <summary>
    /// <paramref name="description"/> with every quoted text of two or more characters (<c>'…'</c>, <c>"…"</c>)
    /// replaced by <c>'…'</c>: validation messages quote the offending value (a phone number, an address), the copy
    /// and the logs keep only the field and the rule.
    /// </summary>
    public static string WithoutValues(string description) =>
        System.Text.RegularExpressions.Regex.Replace(description, """'[^']{2,}'|"[^"]{2,}"|'[^']*$|"[^"]*$""", "'…'");

    private static string Trim(string description) =>
        description.Length <= MaxDescriptionLength ? description : description[..(MaxDescriptionLength - 1)] + "…";
}

/// <summary>A queue message breaks its queue's contract: <see cref="Exception.Message"/> says which field and rule (no values).</summary>
public sealed class QueueContractException(string description) : Exception(description);
