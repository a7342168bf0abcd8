using Omni.Core.Contacts;

namespace Omni.Core.Stats;

/// <summary>What a <see cref="StatEvent"/> counts. Wire names (<see cref="StatKinds.Name"/>) are lower case with dashes.</summary>
public enum StatKind
{
    /// <summary>A provider accepted an attempt (carries cost, segments, provider).</summary>
    Sent,

    /// <summary>An attempt reached the contact (carries the latency from the attempt's start).</summary>
    Delivered,

    /// <summary>An attempt failed: refused at send, or reported failed/expired by the provider.</summary>
    Failed,

    /// <summary>The contact read/opened it (engagement or read receipt).</summary>
    Read,

    /// <summary>The contact clicked a link (email engagement).</summary>
    Clicked,

    /// <summary>The message ended undeliverable (no channel could carry it, or every step failed).</summary>
    Undeliverable,

    /// <summary>A failed step made the plan move to the next channel.</summary>
    Fallback,

    /// <summary>A step was not delivered by its deadline and the next channel was started.</summary>
    Escalated,

    /// <summary>Routing removed the channel because the contact's consent refuses the category there.</summary>
    SuppressedConsent,

    /// <summary>Routing deferred the message to the end of the contact's quiet hours.</summary>
    SuppressedQuietHours,

    /// <summary>Routing stopped the message at the category's frequency cap.</summary>
    Capped,

    /// <summary>The message expired before it could be sent.</summary>
    Expired,

    /// <summary>The contact replied (carries the response time).</summary>
    Reply,

    /// <summary>The contact answered a rating prompt (carries the score 1–5).</summary>
    Csat,
}

public static class StatKinds
{
    /// <summary>The wire name: "sent", "delivered", …, "suppressed-consent", "suppressed-quiet-hours", "csat".</summary>
    public static string Name(this StatKind kind) => kind switch
    {
        StatKind.Sent => "sent",
        StatKind.Delivered => "delivered",
        StatKind.Failed => "failed",
        StatKind.Read => "read",
        StatKind.Clicked => "clicked",
        StatKind.Undeliverable => "undeliverable",
        StatKind.Fallback => "fallback",
        StatKind.Escalated => "escalated",
        StatKind.SuppressedConsent => "suppressed-consent",
        StatKind.SuppressedQuietHours => "suppressed-quiet-hours",
        StatKind.Capped => "capped",
        StatKind.Expired => "expired",
        StatKind.Reply => "reply",
        StatKind.Csat => "csat",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses a wire name (exact); false for anything else.</summary>
    public static bool TryParse(string? name, out StatKind kind)
    {
        foreach (var candidate in Enum.GetValues<StatKind>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }
        kind = default;
        return false;
    }
}

/// <summary>
/// One countable fact about a message, stored once per <see cref="Key"/>: recording the same key again (a redelivered
/// queue message, a repeated report) overwrites the same row, so counts stay exact under at-least-once delivery.
/// Never holds addresses or text.
/// </summary>
public sealed record StatEvent
{
    /// <summary>Idempotency key, e.g. <c>{messageId}:{step}:delivered</c> or <c>{inboundEventId}:reply</c>.</summary>
    public required string Key { get; init; }

    /// <summary>When it happened (buckets and periods use this, in UTC).</summary>
    public required DateTimeOffset At { get; init; }

    public required StatKind Kind { get; init; }

    /// <summary>The channel; null for routing outcomes that concern no channel (e.g. capped, quiet hours).</summary>
    public Channel? Channel { get; init; }

    /// <summary>"acs", "twilio", …; null when no provider was involved.</summary>
    public string? Provider { get; init; }

    /// <summary>The attempt (<c>{messageId}:{step}</c>) a sent/delivered/failed/read event belongs to; attempts are counted distinct.</summary>
    public string? Attempt { get; init; }

    /// <summary>Sent: the attempt's cost.</summary>
    public decimal? Cost { get; init; }

    /// <summary>ISO 4217 of <see cref="Cost"/>.</summary>
    public string? Currency { get; init; }

    /// <summary>Sent, SMS: segments.</summary>
    public int? Segments { get; init; }

    /// <summary>Delivered: milliseconds from the attempt's start (claimed for sending) to the delivery.</summary>
    public long? LatencyMs { get; init; }

    /// <summary>Reply: milliseconds from our message's send to the contact's reply.</summary>
    public long? ResponseMs { get; init; }

    /// <summary>Csat: 1–5.</summary>
    public int? Score { get; init; }
}
