using Omni.Core.Contacts;

namespace Omni.Core.Inbound;

/// <summary>
/// An inbound message on the contact's timeline: what the contact wrote, where, and which of our messages it answers.
/// Keyed by <see cref="EventId"/> and <see cref="At"/>, so writing it again (a redelivered event) finds the first one.
/// </summary>
public sealed record InboundTimelineEntry
{
    public required string ContactId { get; init; }

    /// <summary>The normalised inbound event id ("acs:…", "twilio:SM…").</summary>
    public required string EventId { get; init; }

    public required Channel Channel { get; init; }

    /// <summary>"acs", "twilio", "meta", "chat".</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's id of the inbound message.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>What the contact wrote (personal data: kept in the contact's own partition, erased with it).</summary>
    public string? Text { get; init; }

    /// <summary>When the provider says it was received (falls back to when the webhook got it).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The keyword it was, normalised ("STOP", "ARRET"), or null for an ordinary reply.</summary>
    public string? Keyword { get; init; }

    /// <summary>Our message it answers: the contact's last outbound message on the same channel that reached a provider.</summary>
    public string? ResponseToMessageId { get; init; }

    /// <summary>The reply's time minus the first time that message's attempt was queued/sent on this channel.</summary>
    public TimeSpan? ResponseTime { get; init; }

    /// <summary>The timeline's id of the row ("in_" + hash of the event id): <see cref="InboundIds.For"/>.</summary>
    public string Id => InboundIds.For(EventId);
}

/// <summary>Ids of inbound timeline rows: valid message-id alphabet, derived from the event id (stable across redeliveries).</summary>
public static class InboundIds
{
    public static string For(string eventId)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(eventId));
        return "in_" + Convert.ToHexStringLower(hash)[..40];
    }

    /// <summary>The id of Omni's keyword answer to inbound event <paramref name="eventId"/>: AcceptAsync de-duplicates on it.</summary>
    public static string ReplyFor(string eventId)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("reply|" + eventId));
        return "cmp_" + Convert.ToHexStringLower(hash)[..40];
    }
}

/// <summary>One row of a contact's timeline, inbound or outbound (no addresses; inbound rows carry the text).</summary>
public sealed record TimelineItem
{
    /// <summary>"inbound" or "outbound".</summary>
    public required string Kind { get; init; }

    /// <summary>Outbound: acceptance time. Inbound: when it was received.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Outbound: the message id. Inbound: the row id ("in_…").</summary>
    public required string Id { get; init; }

    /// <summary>Outbound: channel of the newest attempt. Inbound: the channel it arrived on.</summary>
    public Channel? Channel { get; init; }

    public string? Category { get; init; }

    /// <summary>Outbound: the message status wire name. Inbound: "received".</summary>
    public string? Status { get; init; }

    /// <summary>Outbound: the planned channels, in plan order.</summary>
    public IReadOnlyList<Channel> Channels { get; init; } = [];

    /// <summary>Outbound: channel of the newest attempt that reached a provider.</summary>
    public Channel? LastChannel { get; init; }

    public string? Provider { get; init; }

    public string? Text { get; init; }

    public string? EventId { get; init; }

    public string? Keyword { get; init; }

    public string? ResponseToMessageId { get; init; }

    public TimeSpan? ResponseTime { get; init; }
}

/// <param name="Channel">Only rows on this channel (inbound: arrived on it; outbound: planned on or attempted on it).</param>
/// <param name="From">Only rows at or after this time.</param>
/// <param name="To">Only rows at or before this time.</param>
/// <param name="Limit">Page size, 1–<see cref="TimelineQuery.MaxLimit"/>.</param>
/// <param name="Continuation">The opaque token of the previous page, or null for the first.</param>
public sealed record TimelineQuery(Channel? Channel = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = TimelineQuery.DefaultLimit, string? Continuation = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
}

/// <summary>Newest first; <see cref="Continuation"/> is null on the last page.</summary>
public sealed record TimelinePage(IReadOnlyList<TimelineItem> Items, string? Continuation);

/// <summary>The per-contact timeline (Table Storage: the <c>timeline</c> table, shared with the message log's outbound rows).</summary>
public interface ITimelineStore
{
    /// <summary>Adds the inbound row unless one for the same event exists; returns the stored one and whether this call wrote it.</summary>
    Task<(InboundTimelineEntry Entry, bool Created)> AppendInboundAsync(InboundTimelineEntry entry, CancellationToken cancellationToken);

    /// <summary>The inbound row of <paramref name="eventId"/> received at <paramref name="at"/>, or null.</summary>
    Task<InboundTimelineEntry?> FindInboundAsync(string contactId, string eventId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>A page of the contact's timeline, newest first.</summary>
    /// <exception cref="ArgumentException">The continuation token is not one this store issued (parameter name "continuation").</exception>
    Task<TimelinePage> QueryAsync(string contactId, TimelineQuery query, CancellationToken cancellationToken);
}
