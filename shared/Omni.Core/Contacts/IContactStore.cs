using Omni.Core.Consent;

namespace Omni.Core.Contacts;

/// <summary>Where contacts, their address index and their consent history are kept (Table Storage in production).</summary>
public interface IContactStore
{
    Task<StoredContact?> GetAsync(string contactId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or replaces the contact. <paramref name="ifMatch"/>: null = unconditional, "*" = must exist,
    /// an ETag = must be that version; <paramref name="ifNoneMatch"/> "*" = must not exist.
    /// </summary>
    Task<StoreResult> PutAsync(Contact contact, string? ifMatch, string? ifNoneMatch, CancellationToken cancellationToken);

    /// <summary>Erases the contact, its address index entries and its consent history.</summary>
    Task<StoreResult> DeleteAsync(string contactId, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>The contact whose current address on <paramref name="channel"/> is <paramref name="normalizedAddress"/>.</summary>
    Task<StoredContact?> FindByAddressAsync(Channel channel, string normalizedAddress, CancellationToken cancellationToken);

    /// <summary>Appends to the contact's consent history (the store assigns <see cref="ConsentEvent.Id"/>); NotFound when there is no contact.</summary>
    Task<ConsentAppendResult> AppendConsentAsync(string contactId, ConsentEvent consent, CancellationToken cancellationToken);

    /// <summary>The whole history, oldest first; null when there is no contact.</summary>
    Task<IReadOnlyList<ConsentEvent>?> GetConsentHistoryAsync(string contactId, CancellationToken cancellationToken);

    /// <summary>
    /// The contact and its whole consent history (oldest first) together; null when there is no contact. Stores that
    /// keep both in one partition answer with one query; this default makes the two calls.
    /// </summary>
    async Task<ContactWithConsent?> GetWithConsentAsync(string contactId, CancellationToken cancellationToken)
    {
        var contact = await GetAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (contact is null)
        {
            return null;
        }
        var history = await GetConsentHistoryAsync(contactId, cancellationToken).ConfigureAwait(false);
        return history is null ? null : new ContactWithConsent(contact, history);
    }
}

/// <summary>A contact with its consent history, oldest first (<see cref="IContactStore.GetWithConsentAsync"/>).</summary>
public sealed record ContactWithConsent(StoredContact Stored, IReadOnlyList<ConsentEvent> Consent);

public sealed record StoredContact(Contact Contact, string ETag);

public enum StoreOutcome
{
    Created,
    Replaced,
    Deleted,
    NotFound,
    /// <summary>If-Match / If-None-Match did not hold.</summary>
    PreconditionFailed,
    /// <summary>An address already belongs to another contact; <see cref="StoreResult.Detail"/> names the channel.</summary>
    AddressTaken,
}

public sealed record StoreResult(StoreOutcome Outcome, StoredContact? Stored = null, string? Detail = null);

public sealed record ConsentAppendResult(bool ContactFound, ConsentEvent? Appended);
