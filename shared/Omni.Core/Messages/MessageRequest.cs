using System.Text.Json;

namespace Omni.Core.Messages;

/// <summary>
/// The message contract: the body of <c>POST /api/messages</c> and of a message put directly on the <c>outbound</c>
/// queue (docs/schemas/message.schema.json). Property names are camelCase on the wire; unknown properties are refused.
/// Validate with <see cref="MessageRequestValidator"/>.
/// </summary>
public sealed record MessageRequest
{
    /// <summary>
    /// The message id. Assigned by <c>POST /api/messages</c>; optional on the queue (the Service Bus MessageId is used
    /// when absent). 1–100 of <c>A-Z a-z 0-9 _ . -</c>.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>The contact to reach. Either this or <see cref="To"/>.</summary>
    public string? ContactId { get; init; }

    /// <summary>One-off send to inline addresses, by channel wire name ("sms" → "+447400123456"). Either this or <see cref="ContactId"/>.</summary>
    public IReadOnlyDictionary<string, string>? To { get; init; }

    /// <summary>"transactional", "security", "marketing", "support" or a custom category.</summary>
    public string? Category { get; init; }

    /// <summary>"critical", "high", "normal" (default) or "low".</summary>
    public string? Urgency { get; init; }

    public MessageContentRequest? Content { get; init; }

    /// <summary>Only these channels may be used (wire names).</summary>
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>Only this channel may be used (wire name).</summary>
    public string? Channel { get; init; }

    /// <summary>"first" (fallback on failure), "all" or "escalate". Default: "escalate" for critical/high urgency, else "first".</summary>
    public string? Strategy { get; init; }

    public DateTimeOffset? SendAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? CorrelationId { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary>
/// What to say: inline text/subject/html (with optional per-channel overrides), or a template with data and a locale.
/// Inline fields and a template may not be combined.
/// </summary>
public sealed record MessageContentRequest
{
    public string? Text { get; init; }

    public string? Subject { get; init; }

    public string? Html { get; init; }

    /// <summary>Per-channel overrides by wire name ("sms" → { "text": "short version" }).</summary>
    public IReadOnlyDictionary<string, ChannelContentRequest>? Channels { get; init; }

    public TemplateReference? Template { get; init; }
}

public sealed record ChannelContentRequest
{
    public string? Text { get; init; }

    public string? Subject { get; init; }

    public string? Html { get; init; }
}

/// <summary>A stored template rendered with <see cref="Data"/>; <see cref="Locale"/> falls back to the contact's locale, then the template's default.</summary>
public sealed record TemplateReference
{
    public string? Id { get; init; }

    public JsonElement? Data { get; init; }

    public string? Locale { get; init; }
}
