using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Core.Messages;

/// <summary>
/// The message log entry: the accepted request, the routing decision (plan + trace), the content rendered per channel and
/// every attempt. Written before each step acknowledges its queue message; replaced with ETag concurrency.
/// </summary>
public sealed record MessageRecord
{
    public required string Id { get; init; }

    /// <summary>The contact, or null for a one-off send to inline addresses.</summary>
    public string? ContactId { get; init; }

    /// <summary>The request as accepted (with <see cref="MessageRequest.Id"/> set).</summary>
    public required MessageRequest Request { get; init; }

    /// <summary>SHA-256 (hex) of the request body as received; the idempotency check compares it.</summary>
    public string? RequestHash { get; init; }

    public MessageStatus Status { get; init; } = MessageStatus.Accepted;

    /// <summary>Why the message is undeliverable / expired / capped / rejected; never addresses or text.</summary>
    public string? Reason { get; init; }

    public DateTimeOffset AcceptedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Deferred messages: when RouteMessage decides again.</summary>
    public DateTimeOffset? DeferUntil { get; init; }

    /// <summary>The ordered plan (addresses included: the log is personal data, erased with the contact).</summary>
    public IReadOnlyList<PlannedStep> Plan { get; init; } = [];

    /// <summary>Routing trace lines, then one line per send, failure, fallback and escalation; never addresses or text.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];

    /// <summary>Rendered content per planned channel (fixed at routing time so retries send the same words).</summary>
    public IReadOnlyDictionary<Channel, RenderedContent> Content { get; init; } = new Dictionary<Channel, RenderedContent>();

    /// <summary>The template the content was rendered from (set at routing); null for inline content.</summary>
    public TemplateUse? Template { get; init; }

    /// <summary>One per started step, by <see cref="MessageAttempt.Step"/>.</summary>
    public IReadOnlyList<MessageAttempt> Attempts { get; init; } = [];

    /// <summary>When an inbound reply from the contact arrived after the first send (cancels escalation).</summary>
    public DateTimeOffset? RepliedAt { get; init; }

    public MessageAttempt? AttemptFor(int step)
    {
        foreach (var attempt in Attempts)
        {
            if (attempt.Step == step)
            {
                return attempt;
            }
        }
        return null;
    }
}

/// <summary>A template as a message used it.</summary>
/// <param name="Version">The stored template's ETag when it was rendered (templates change; this says which version was sent).</param>
/// <param name="Locale">The template locale used, as spelled in the template.</param>
public sealed record TemplateUse(string Id, string? Version, string? Locale);

/// <summary>One step of the plan on one channel, as executed.</summary>
public sealed record MessageAttempt
{
    /// <summary>Index into <see cref="MessageRecord.Plan"/>.</summary>
    public required int Step { get; init; }

    public required Channel Channel { get; init; }

    public AttemptStatus Status { get; init; } = AttemptStatus.Pending;

    /// <summary>"acs", "twilio", "webhook", "meta", ...: the provider that accepted (or last refused) it.</summary>
    public string? Provider { get; init; }

    public string? ProviderMessageId { get; init; }

    /// <summary>SMS segments (GSM-7 / UCS-2 rules).</summary>
    public int? Segments { get; init; }

    public decimal? Cost { get; init; }

    /// <summary>ISO 4217.</summary>
    public string? Currency { get; init; }

    /// <summary>Provider error code and description of the last failure; never addresses or text.</summary>
    public string? Error { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the escalation check for this step is due (escalate strategy only).</summary>
    public DateTimeOffset? EscalateAt { get; init; }

    /// <summary>True once the next step was started because this one was not delivered in time.</summary>
    public bool Escalated { get; init; }

    /// <summary>Every provider tried for this step, in order (failover within the channel).</summary>
    public IReadOnlyList<ProviderTry> Tries { get; init; } = [];

    public IReadOnlyList<AttemptStatusChange> History { get; init; } = [];
}

/// <param name="Source">"send" (the provider's answer), "report" (a delivery or engagement report), "escalation", "expiry".</param>
public sealed record AttemptStatusChange(AttemptStatus Status, DateTimeOffset At, string Source, string? Detail = null);

/// <summary>One provider call for a step; <paramref name="Outcome"/> is "accepted", "transient" or "permanent".</summary>
public sealed record ProviderTry(string Provider, string Outcome, DateTimeOffset At, string? Error = null);
