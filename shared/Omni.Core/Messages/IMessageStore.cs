using Omni.Core.Contacts;

namespace Omni.Core.Messages;

/// <summary>The message log (Table Storage in production): message records, the provider-id index and per-contact counts.</summary>
public interface IMessageStore
{
    Task<StoredMessage?> GetAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Inserts the record; when one with that id exists already, returns it unchanged with <c>Created = false</c>.</summary>
    Task<(StoredMessage Stored, bool Created)> CreateAsync(MessageRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record if it is still at <paramref name="etag"/>; null when it changed meanwhile (re-read and retry).</summary>
    Task<StoredMessage?> ReplaceAsync(MessageRecord record, string etag, CancellationToken cancellationToken);

    /// <summary>Maps a provider's message id to (message, step) so delivery reports find their attempt. Idempotent.</summary>
    Task IndexProviderMessageAsync(string provider, string providerMessageId, string messageId, int step, CancellationToken cancellationToken);

    Task<ProviderMessageRef?> FindByProviderMessageAsync(string provider, string providerMessageId, CancellationToken cancellationToken);

    /// <summary>
    /// Messages to <paramref name="contactId"/> that were routed for sending (status routed or later, not undeliverable/
    /// expired/capped/rejected) and accepted at or after <paramref name="since"/>, counted by category; feeds frequency caps.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> CountRecentByCategoryAsync(string contactId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The contact's most recent outbound message on <paramref name="channel"/> that reached a provider (threads replies).</summary>
    Task<StoredMessage?> FindLastOutboundAsync(string contactId, Channel channel, CancellationToken cancellationToken);

    /// <summary>Erasure: removes the contact's message records and index entries. Returns how many messages were erased.</summary>
    Task<int> EraseContactAsync(string contactId, CancellationToken cancellationToken);
}

public sealed record StoredMessage(MessageRecord Record, string ETag);

public sealed record ProviderMessageRef(string MessageId, int Step);

/// <summary>
/// Idempotency keys for <c>POST /api/messages</c>: key → (hash of the body, the result). Kept at least
/// <see cref="Retention"/>; an entry older than that counts as absent and is replaced.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>
    /// Records (<paramref name="key"/>, <paramref name="requestHash"/>, <paramref name="result"/>) unless a live entry exists;
    /// returns the entry that holds afterwards and whether this call created it.
    /// </summary>
    Task<IdempotencyEntry> ClaimAsync(string scope, string key, string requestHash, string result, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <param name="Result">What the first request produced (for messages: the message id, or a JSON array of ids for a batch).</param>
public sealed record IdempotencyEntry(bool Created, string RequestHash, string Result, DateTimeOffset CreatedAt)
{
    public static TimeSpan Retention { get; } = TimeSpan.FromHours(48);
}
