using Azure;
using Omni.Azure.ServiceBus;
using Omni.Core.Messages;
using Omni.Functions.Http;

namespace Omni.Functions.Operations;

/// <summary>
/// Dead letters of Omni's queues (functions DeadLetters and DeadLetterActions, <c>authLevel: admin</c>): count,
/// list with masked bodies, replay to the queue, discard. Works on the Service Bus REST receive API (peek-lock,
/// unlock, delete) against Azure or the DevHost. Every message the API locks is unlocked again unless it is the one
/// being settled, so reading changes nothing but the broker's lock bookkeeping.
/// </summary>
/// <remarks>
/// REST has no message count without the management plane, so counts come from peek-locking up to
/// <see cref="ScanCap"/> messages and unlocking them: "100" means "at least 100", and messages another reader has
/// locked at that moment are not seen. Replay and discard look for the id among the first <see cref="ScanCap"/>.
/// Message bodies can hold personal data: they are shown masked (<see cref="DeadLetterBodyMask"/>) and never logged.
/// </remarks>
public static class DeadLettersApi
{
    /// <summary>The most dead letters one request peek-locks (count, list, or search for an id).</summary>
    public const int ScanCap = 100;

    /// <summary>Messages listed when <c>max</c> is not given.</summary>
    public const int DefaultListSize = 20;

    /// <summary>
    /// Every queue of infra/queues.json: <see cref="OmniQueues"/>, the Echo self-test queues, acs-events, app-events and
    /// <see cref="ContractViolations.Queue"/>. Only these may be named; anything else is 400.
    /// </summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        "echo", "echo-replies", OmniQueues.Outbound, OmniQueues.SendSms, OmniQueues.SendEmail, OmniQueues.SendWhatsApp,
        OmniQueues.SendWebhook, OmniQueues.Escalations, OmniQueues.Inbound, AcsEventQueue.AcsEventQueueFunction.Queue,
        "app-events", ContractViolations.Queue,
    ];

    /// <summary>
    /// Where the API reads a queue's dead letters: <c>{queue}/$DeadLetterQueue</c>, except for
    /// <see cref="ContractViolations.Queue"/>, whose messages are all dead letters (Omni's own), read from the queue itself.
    /// </summary>
    public static ServiceBusSubQueue SubQueueOf(string queue) =>
        queue == ContractViolations.Queue ? ServiceBusSubQueue.None : ServiceBusSubQueue.DeadLetter;

    /// <summary>Application property a replayed copy carries: the dead letter's MessageId.</summary>
    public const string ReplayOfProperty = "ReplayOf";

    public static void MapOperationsApi(this WebApplication app)
    {
        // Admin-only (the host's master key): kept out of the public OpenAPI document; see docs/operations.md.
        var group = app.MapGroup("/api/ops/deadletters").WithTags("Operations").ExcludeFromDescription().RequireAuthorization(CallerRoles.Operations);
        group.MapGet("/", CountAsync).WithName("CountDeadLetters");
        group.MapGet("/{queue}", ListAsync).WithName("ListDeadLetters");
        group.MapPost("/{queue}/{messageId}/{action}", ActAsync).WithName("SettleDeadLetter");
    }

    public sealed record QueueCount(string Queue, int DeadLetters, bool AtLeast, string? Error);

    public sealed record DeadLetterCounts(int ScanCap, IReadOnlyList<QueueCount> Queues);

    public sealed record DeadLetterView(
        string MessageId,
        long SequenceNumber,
        DateTimeOffset EnqueuedTime,
        int DeliveryCount,
        string? Reason,
        string? Description,
        string? ContentType,
        string? CorrelationId,
        string? Subject,
        string? SourceQueue,
        string? Function,
        int BodyBytes,
        System.Text.Json.Nodes.JsonNode? Body);

    public sealed record DeadLetterList(string Queue, int Max, bool More, IReadOnlyList<DeadLetterView> Messages);

    public sealed record DeadLetterActionResult(string Queue, string MessageId, string Action, string? ReplayMessageId, string? ReplayQueue = null);

    internal static async Task<IResult> CountAsync(ServiceBusClient serviceBus, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(Queues.Select(async queue =>
        {
            try
            {
                var receiver = serviceBus.CreateReceiver(queue, SubQueueOf(queue));
                var locked = await PeekLockUpToAsync(receiver, ScanCap, stopAt: null, cancellationToken);
                var count = locked.Count;
                await UnlockAllAsync(receiver, locked);
                return new QueueCount(queue, count, count >= ScanCap, null);
            }
            catch (RequestFailedException e)
            {
                return new QueueCount(queue, 0, false, $"Service Bus answered {e.Status} ({e.ErrorCode}).");
            }
        }));
        return TypedResults.Ok(new DeadLetterCounts(ScanCap, counts));
    }

    internal static async Task<IResult> ListAsync(string queue, string? max, ServiceBusClient serviceBus, CancellationToken cancellationToken)
    {
        if (Canonical(queue) is not { } name)
        {
            return UnknownQueue(queue);
        }
        var size = DefaultListSize;
        if (max is not null && (!int.TryParse(max, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) ||
                                size < 1 || size > ScanCap))
        {
            return Problems.BadRequest($"max must be a whole number from 1 to {ScanCap}.");
        }

        var receiver = serviceBus.CreateReceiver(name, SubQueueOf(name));
        List<ServiceBusReceivedMessage> locked = [];
        try
        {
            // One more than asked, to say whether there are more.
            locked = await PeekLockUpToAsync(receiver, size + 1, stopAt: null, cancellationToken);
            var views = locked.Take(size).Select(View).ToList();
            return TypedResults.Ok(new DeadLetterList(name, size, locked.Count > size, views));
        }
        catch (RequestFailedException e)
        {
            return ServiceBusFailed(e);
        }
        finally
        {
            await UnlockAllAsync(receiver, locked);
        }
    }

    internal static async Task<IResult> ActAsync(string queue, string messageId, string action, ServiceBusClient serviceBus,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Canonical(queue) is not { } name)
        {
            return UnknownQueue(queue);
        }
        var replay = string.Equals(action, "replay", StringComparison.OrdinalIgnoreCase);
        if (!replay && !string.Equals(action, "discard", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.BadRequest($"Unknown action '{action}': use replay or discard.");
        }
        if (string.IsNullOrWhiteSpace(messageId))
        {
            return Problems.BadRequest("Give the dead letter's message id.");
        }

        var logger = loggers.CreateLogger("Omni.Operations.DeadLetters");
        var receiver = serviceBus.CreateReceiver(name, SubQueueOf(name));
        List<ServiceBusReceivedMessage> locked = [];
        try
        {
            locked = await PeekLockUpToAsync(receiver, ScanCap, stopAt: m => m.MessageId == messageId, cancellationToken);
            var target = locked.FirstOrDefault(m => m.MessageId == messageId);
            if (target is null)
            {
                return Problems.NotFound($"No dead letter '{messageId}' among the first {ScanCap} of queue '{name}' (or another reader holds its lock).");
            }

            string? replayId = null;
            var replayQueue = name;
            if (replay && name == ContractViolations.Queue)
            {
                // Omni's own dead letters go back to the queue they were taken from.
                var source = target.ApplicationProperties.GetValueOrDefault(ContractViolations.SourceProperty) as string;
                if (Canonical(source ?? "") is not { } original || original == ContractViolations.Queue)
                {
                    return Problems.Conflict($"The message does not name the queue it came from ({ContractViolations.SourceProperty}); discard it.");
                }
                replayQueue = original;
            }
            if (replay)
            {
                replayId = $"{messageId}:replay:{time.GetUtcNow().ToUnixTimeSeconds()}";
                await serviceBus.CreateSender(replayQueue).SendMessageAsync(ReplayCopy(target, replayId), cancellationToken);
            }

            try
            {
                await receiver.CompleteAsync(target, cancellationToken);
            }
            catch (RequestFailedException e) when (replay)
            {
                logger.LogWarning("Dead letter {MessageId} on {Queue} was replayed as {ReplayId} but not removed: Service Bus answered {Status}.",
                    messageId, name, replayId, e.Status);
                return TypedResults.Problem(statusCode: 502, title: "Replayed, not removed",
                    detail: $"The copy {replayId} was sent, but removing the dead letter failed ({e.Status}); discard it once the replay completed.");
            }
            locked.Remove(target);
            logger.LogInformation(replay
                    ? "Dead letter {MessageId} on {Queue} replayed as {ReplayId} to {ReplayQueue}."
                    : "Dead letter {MessageId} on {Queue} discarded.{ReplayId}{ReplayQueue}",
                messageId, name, replayId ?? "", replay ? replayQueue : "");
            return TypedResults.Ok(new DeadLetterActionResult(name, messageId, replay ? "replayed" : "discarded", replayId, replay ? replayQueue : null));
        }
        catch (RequestFailedException e)
        {
            return ServiceBusFailed(e);
        }
        finally
        {
            await UnlockAllAsync(receiver, locked);
        }
    }

    /// <summary>
    /// The copy sent back to the queue: same body, content type, correlation id, subject and application properties
    /// (without the dead-lettering's reason and description and the other properties <see cref="ContractViolations"/>
    /// adds), a new MessageId <c>{id}:replay:{unix seconds}</c> —
    /// duplicate detection would drop the original id inside its window, and the same second's second click is
    /// dropped as a duplicate — and <c>ReplayOf</c> = the original id.
    /// </summary>
    internal static ServiceBusMessage ReplayCopy(ServiceBusReceivedMessage original, string replayId)
    {
        var copy = new ServiceBusMessage(original.Body)
        {
            MessageId = replayId,
            ContentType = original.ContentType,
            CorrelationId = original.CorrelationId,
            Subject = original.Subject,
            SessionId = original.SessionId,
            ReplyTo = original.ReplyTo,
            To = original.To,
        };
        foreach (var (key, value) in original.ApplicationProperties)
        {
            if (key is ReplayOfProperty || ContractViolations.AddedProperties.Contains(key))
            {
                continue;
            }
            copy.ApplicationProperties[key] = value;
        }
        copy.ApplicationProperties[ReplayOfProperty] = original.MessageId;
        return copy;
    }

    internal static DeadLetterView View(ServiceBusReceivedMessage m) => new(
        m.MessageId, m.SequenceNumber, m.EnqueuedTime, m.DeliveryCount, m.DeadLetterReason,
        m.DeadLetterErrorDescription, m.ContentType, m.CorrelationId, m.Subject,
        m.ApplicationProperties.GetValueOrDefault(ContractViolations.SourceProperty) as string,
        m.ApplicationProperties.GetValueOrDefault(ContractViolations.FunctionProperty) as string,
        m.Body.ToMemory().Length, DeadLetterBodyMask.Mask(m.Body.ToMemory().Span));

    /// <summary>Peek-locks until <paramref name="limit"/> messages, an empty answer, or one matching <paramref name="stopAt"/>.</summary>
    private static async Task<List<ServiceBusReceivedMessage>> PeekLockUpToAsync(ServiceBusReceiver receiver, int limit,
        Func<ServiceBusReceivedMessage, bool>? stopAt, CancellationToken cancellationToken)
    {
        var locked = new List<ServiceBusReceivedMessage>();
        try
        {
            while (locked.Count < limit && await receiver.PeekLockAsync(TimeSpan.Zero, cancellationToken) is { } message)
            {
                locked.Add(message);
                if (stopAt?.Invoke(message) == true)
                {
                    break;
                }
            }
            return locked;
        }
        catch
        {
            await UnlockAllAsync(receiver, locked);
            throw;
        }
    }

    /// <summary>Unlocks what this request locked; a lock that cannot be released simply lapses after the queue's lock duration.</summary>
    private static async Task UnlockAllAsync(ServiceBusReceiver receiver, List<ServiceBusReceivedMessage> locked)
    {
        foreach (var message in locked)
        {
            try
            {
                await receiver.UnlockAsync(message, CancellationToken.None);
            }
            catch (RequestFailedException)
            {
            }
        }
        locked.Clear();
    }

    private static string? Canonical(string queue) =>
        Queues.FirstOrDefault(q => string.Equals(q, queue, StringComparison.OrdinalIgnoreCase));

    private static IResult UnknownQueue(string queue) =>
        Problems.BadRequest($"Unknown queue '{queue}': use one of {string.Join(", ", Queues)}.");

    private static IResult ServiceBusFailed(RequestFailedException e) =>
        TypedResults.Problem(statusCode: 502, title: "Service Bus failed",
            detail: $"Service Bus answered {e.Status} ({e.ErrorCode ?? "no error code"}).");
}
