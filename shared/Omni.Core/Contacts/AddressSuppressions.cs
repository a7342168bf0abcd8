namespace Omni.Core.Contacts;

/// <summary>Suppressing and lifting one address of a stored contact: what a provider's refusal and a later inbound message do.</summary>
public static class AddressSuppressions
{
    private const int ConflictRetries = 5;

    /// <summary>
    /// Sets the suppression of the contact's <paramref name="channel"/> address, or lifts it with null, provided the
    /// contact still has <paramref name="address"/> there (an address changed meanwhile is someone else's business). An
    /// address already suppressed keeps its first suppression. ETag-checked, re-read on a conflict. True when it changed.
    /// </summary>
    public static async Task<bool> SetSuppressionAsync(this IContactStore contacts, string contactId, Channel channel, string address,
        AddressSuppression? suppression, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        for (var attempt = 0; attempt < ConflictRetries; attempt++)
        {
            var stored = await contacts.GetAsync(contactId, cancellationToken).ConfigureAwait(false);
            if (stored is null || !stored.Contact.Addresses.TryGetValue(channel, out var current) || current.Value != address ||
                current.IsSuppressed == suppression is not null)
            {
                return false;
            }
            var addresses = new Dictionary<Channel, ContactAddress>(stored.Contact.Addresses) { [channel] = current with { Suppression = suppression } };
            var result = await contacts.PutAsync(stored.Contact with { Addresses = addresses }, stored.ETag, null, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != StoreOutcome.PreconditionFailed)
            {
                return result.Outcome == StoreOutcome.Replaced;
            }
        }
        return false;
    }
}
