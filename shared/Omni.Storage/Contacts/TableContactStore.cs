using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Omni.Azure.Tables;
using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Storage.Contacts;

/// <summary>
/// <see cref="IContactStore"/> on Azure Table Storage. Table <c>contacts</c>: PartitionKey = contact id; RowKey
/// <c>contact</c> = the profile (JSON in <c>Data</c>), RowKey <c>consent|{ticks:D19}|{guid:N}</c> = one consent event.
/// Table <c>addressindex</c>: PartitionKey = <c>{channel}|{sha256(address)}</c>, RowKey empty, <c>ContactId</c>.
/// The index is a hint, always verified against the profile on read. See docs/storage.md.
/// </summary>
public sealed partial class TableContactStore : IContactStore
{
    /// <summary>RowKey of the profile row.</summary>
    public const string ProfileRowKey = "contact";

    /// <summary>RowKey prefix of consent rows; the rest is <see cref="ConsentEvent.Id"/>.</summary>
    public const string ConsentRowKeyPrefix = "consent|";

    /// <summary>Exclusive upper bound of consent RowKeys ('}' follows '|').</summary>
    private const string ConsentRowKeyEnd = "consent}";

    /// <summary>A string property may hold 64 KiB, i.e. 32 Ki UTF-16 code units; the profile must stay below that.</summary>
    public const int MaxProfileJsonLength = 32 * 1024 - 1;

    private const string DataProperty = "Data";
    private const string SchemaVersionProperty = "SchemaVersion";
    private const string IncarnationProperty = "Incarnation";
    private const string ErasingProperty = "Erasing";
    private const string ErasingSinceProperty = "ErasingSince";
    private const string ContactIdProperty = "ContactId";
    private const string ClaimedAtProperty = "ClaimedAt";
    private const int MaxBatch = 100;
    private const int PutAttempts = 3;
    private const int ClaimAttempts = 4;

    private readonly TimeProvider _time;
    private readonly TableContactStoreOptions _options;
    private readonly TableClient _contacts;
    private readonly TableClient _index;
    private readonly TablesOnce _ensure;

    public TableContactStore(TableServiceClient tables, TimeProvider time, TableContactStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _options = options ?? new TableContactStoreOptions();
        _ensure = new TablesOnce(tables, _options.ContactsTableName, _options.AddressIndexTableName);
        if (_options.AddressClaimLease < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.AddressClaimLease, "AddressClaimLease must not be negative.");
        }
        _contacts = tables.GetTableClient(_options.ContactsTableName);
        _index = tables.GetTableClient(_options.AddressIndexTableName);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContactIdPattern();

    /// <summary>
    /// The address-index PartitionKey: <c>{channel wire name}|{lower-case hex SHA-256 of the UTF-8 match key}</c>.
    /// E-mail addresses match case-insensitively (replies arrive in whatever case the sender's client uses), so their
    /// match key is lower-cased; the stored address keeps its case.
    /// </summary>
    public static string AddressIndexKey(Channel channel, string normalizedAddress)
    {
        ArgumentNullException.ThrowIfNull(normalizedAddress);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(MatchKey(channel, normalizedAddress)));
        return channel.Name() + "|" + Convert.ToHexStringLower(hash);
    }

    /// <summary>Creates both tables if they do not exist; runs once per instance (later calls return at once).</summary>
    public Task EnsureTablesAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    // ------------------------------------------------------------------ reads

    public async Task<StoredContact?> GetAsync(string contactId, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var profile = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        return profile is { Erasing: false } ? new StoredContact(profile.Contact, profile.ETag.ToString()) : null;
    }

    public async Task<StoredContact?> FindByAddressAsync(Channel channel, string normalizedAddress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(normalizedAddress);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var entry = await _index.GetEntityIfExistsAsync<TableEntity>(AddressIndexKey(channel, normalizedAddress), "", cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!entry.HasValue || entry.Value!.GetString(ContactIdProperty) is not { } owner || !ContactIdPattern().IsMatch(owner))
        {
            return null;
        }
        var profile = await ReadProfileAsync(owner, cancellationToken).ConfigureAwait(false);
        return profile is { Erasing: false } && HasAddress(profile.Contact, channel, normalizedAddress)
            ? new StoredContact(profile.Contact, profile.ETag.ToString())
            : null;
    }

    // ------------------------------------------------------------------ put

    public async Task<StoreResult> PutAsync(Contact contact, string? ifMatch, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contact);
        ValidateContactId(contact.Id, nameof(contact));
        foreach (var (channel, address) in contact.Addresses)
        {
            if (address is null || string.IsNullOrEmpty(address.Value))
            {
                throw new ArgumentException($"The {channel.Name()} address is empty.", nameof(contact));
            }
        }
        // Fail on oversized input before any I/O (timestamps have a fixed length, so this is the stored size).
        CheckProfileSize(ContactJson.SerializeContact(contact with { CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);

        // An unconditional write that loses a race to a concurrent writer is simply retried (last writer wins);
        // a conditional one reports PreconditionFailed, as the caller asked.
        var unconditional = ifMatch is null && ifNoneMatch is null;
        for (var attempt = 1; ; attempt++)
        {
            var result = await TryPutAsync(contact, ifMatch, ifNoneMatch, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }
            if (!unconditional || attempt >= PutAttempts)
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
        }
    }

    /// <returns>The result, or null when the profile write lost a race (claims already released).</returns>
    private async Task<StoreResult?> TryPutAsync(Contact contact, string? ifMatch, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        var id = contact.Id;
        var existing = await ReadProfileAsync(id, cancellationToken).ConfigureAwait(false);
        if (existing is { Erasing: true })
        {
            // An erasure that crashed half-way: finish it before the id is reused, so no old consent row survives.
            await CompleteErasureAsync(id, cancellationToken).ConfigureAwait(false);
            existing = await ReadProfileAsync(id, cancellationToken).ConfigureAwait(false);
            if (existing is { Erasing: true })
            {
                return null;
            }
        }

        if (existing is null)
        {
            if (ifMatch is not null)
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
        }
        else
        {
            if (ifNoneMatch is not null && (ifNoneMatch.Trim() == "*" || ETagsEqual(ifNoneMatch, existing.ETag)))
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
            if (ifMatch is not null && ifMatch.Trim() != "*" && !ETagsEqual(ifMatch, existing.ETag))
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
        }

        var now = _time.GetUtcNow();
        var stored = contact with { CreatedAt = existing?.Contact.CreatedAt ?? now, UpdatedAt = now };
        var data = ContactJson.SerializeContact(stored);
        CheckProfileSize(data);

        // 1. Claim every new or changed address in the index.
        var claims = new List<Claim>();
        foreach (var (channel, address) in stored.Addresses.OrderBy(a => a.Key))
        {
            if (existing is not null && HasAddress(existing.Contact, channel, address.Value))
            {
                continue;
            }
            var claim = await ClaimAsync(id, channel, address.Value, cancellationToken).ConfigureAwait(false);
            if (claim is null)
            {
                await ReleaseAsync(id, claims, cancellationToken).ConfigureAwait(false);
                return new StoreResult(StoreOutcome.AddressTaken, Detail: channel.Name());
            }
            claims.Add(claim);
        }

        // 2. Write the profile, conditional on what was read, so two concurrent writers never both win.
        var entity = new TableEntity(id, ProfileRowKey)
        {
            [DataProperty] = data,
            [SchemaVersionProperty] = ContactJson.SchemaVersion,
            [IncarnationProperty] = existing?.Incarnation ?? Guid.NewGuid().ToString("N"),
        };
        ETag etag;
        try
        {
            var response = existing is null
                ? await _contacts.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _contacts.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            etag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            await ReleaseAsync(id, claims, cancellationToken).ConfigureAwait(false);
            return null;
        }
        if (etag == default)
        {
            etag = (await ReadProfileAsync(id, cancellationToken).ConfigureAwait(false))?.ETag ?? default;
        }

        // 3. Drop index entries of addresses the contact no longer has (best effort; stale entries are verified on read).
        if (existing is not null)
        {
            foreach (var (channel, address) in existing.Contact.Addresses)
            {
                if (!HasAddress(stored, channel, address.Value))
                {
                    await DeleteIndexEntryIfOwnedAsync(id, channel, address.Value, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new StoreResult(existing is null ? StoreOutcome.Created : StoreOutcome.Replaced, new StoredContact(stored, etag.ToString()));
    }

    private sealed record Claim(Channel Channel, string Address, string Key, ETag ETag);

    /// <summary>Makes the index entry of the address point at <paramref name="contactId"/>; null when another contact holds it.</summary>
    private async Task<Claim?> ClaimAsync(string contactId, Channel channel, string address, CancellationToken cancellationToken)
    {
        var key = AddressIndexKey(channel, address);
        for (var attempt = 0; attempt < ClaimAttempts; attempt++)
        {
            var entry = new TableEntity(key, "")
            {
                [ContactIdProperty] = contactId,
                [ClaimedAtProperty] = _time.GetUtcNow(),
            };
            try
            {
                var added = await _index.AddEntityAsync(entry, cancellationToken).ConfigureAwait(false);
                return new Claim(channel, address, key, added.Headers.ETag ?? default);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }

            var current = await _index.GetEntityIfExistsAsync<TableEntity>(key, "", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                continue; // released meanwhile: add again
            }
            var owner = current.Value!.GetString(ContactIdProperty);
            if (owner != contactId && !await IsStaleAsync(current.Value, owner, channel, address, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            // Ours already (e.g. a concurrent write of the same contact) or stale: take it over with its ETag, so
            // this call holds the entry's current version and a concurrent release cannot delete it from under us.
            try
            {
                var updated = await _index.UpdateEntityAsync(entry, current.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return new Claim(channel, address, key, updated.Headers.ETag ?? default);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
            }
        }
        return null; // contended by other writers throughout: report the address as taken
    }

    /// <summary>An entry is stale when its contact does not hold the address and its claim is older than the lease.</summary>
    private async Task<bool> IsStaleAsync(TableEntity entry, string? owner, Channel channel, string address, CancellationToken cancellationToken)
    {
        if (owner is not null && ContactIdPattern().IsMatch(owner))
        {
            var profile = await ReadProfileAsync(owner, cancellationToken).ConfigureAwait(false);
            if (profile is { Erasing: false } && HasAddress(profile.Contact, channel, address))
            {
                return false;
            }
        }
        // The owner may be between its claim and its profile write: respect a fresh claim.
        var claimedAt = entry.GetDateTimeOffset(ClaimedAtProperty);
        return claimedAt is null || _time.GetUtcNow() - claimedAt.Value >= _options.AddressClaimLease;
    }

    /// <summary>
    /// Undoes this call's claims after a failure, each only if nobody took the entry over since (If-Match the ETag the
    /// claim got) and the contact's current profile does not hold the address (a concurrent writer may rely on it).
    /// </summary>
    private async Task ReleaseAsync(string contactId, List<Claim> claims, CancellationToken cancellationToken)
    {
        if (claims.Count == 0)
        {
            return;
        }
        try
        {
            var current = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
            foreach (var claim in claims)
            {
                if (current is { Erasing: false } && HasAddress(current.Contact, claim.Channel, claim.Address))
                {
                    continue;
                }
                try
                {
                    await _index.DeleteEntityAsync(claim.Key, "", claim.ETag == default ? ETag.All : claim.ETag, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                }
            }
        }
        catch (RequestFailedException)
        {
            // Best effort: a claim left behind is stale (its contact lacks the address) and is taken over after the lease.
        }
    }

    private async Task DeleteIndexEntryIfOwnedAsync(string contactId, Channel channel, string address, CancellationToken cancellationToken)
    {
        var key = AddressIndexKey(channel, address);
        try
        {
            var entry = await _index.GetEntityIfExistsAsync<TableEntity>(key, "", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (entry.HasValue && entry.Value!.GetString(ContactIdProperty) == contactId)
            {
                await _index.DeleteEntityAsync(key, "", entry.Value.ETag, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException)
        {
            // Best effort: the entry is verified on read and reclaimable as stale.
        }
    }

    // ------------------------------------------------------------------ delete

    public async Task<StoreResult> DeleteAsync(string contactId, string? ifMatch, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var existing = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return new StoreResult(StoreOutcome.NotFound);
        }
        if (!existing.Erasing)
        {
            if (ifMatch is not null && ifMatch.Trim() != "*" && !ETagsEqual(ifMatch, existing.ETag))
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
            // Step 1, the commit point: mark the profile as being erased (conditional on the version read). From here
            // on the contact reads as gone, and any later call (Delete or Put of the same id) finishes the erasure.
            var tombstone = new TableEntity(contactId, ProfileRowKey)
            {
                [ErasingProperty] = true,
                [ErasingSinceProperty] = _time.GetUtcNow(),
            };
            try
            {
                await _contacts.UpdateEntityAsync(tombstone, existing.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                return new StoreResult(StoreOutcome.PreconditionFailed);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return new StoreResult(StoreOutcome.NotFound);
            }
        }
        // A tombstone found here is an erasure that was already committed: finishing it is this call's job.
        await CompleteErasureAsync(contactId, cancellationToken).ConfigureAwait(false);
        return new StoreResult(StoreOutcome.Deleted);
    }

    /// <summary>Consent rows (oldest first, ≤100 per transaction), then index entries, then the tombstone itself.</summary>
    private async Task CompleteErasureAsync(string contactId, CancellationToken cancellationToken)
    {
        // Consent rows: repeat until none is left (an append racing the tombstone may land after the first listing).
        while (true)
        {
            var rowKeys = await ListConsentRowKeysAsync(contactId, cancellationToken).ConfigureAwait(false);
            if (rowKeys.Count == 0)
            {
                break;
            }
            foreach (var chunk in rowKeys.Chunk(MaxBatch))
            {
                try
                {
                    await _contacts.SubmitTransactionAsync(
                        chunk.Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(contactId, rk))),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // A concurrent erasure deleted some of them: the next listing shows what is left.
                }
            }
        }

        var profile = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (profile is not { Erasing: true })
        {
            return; // finished by a concurrent call
        }
        foreach (var (channel, address) in profile.Contact.Addresses)
        {
            await DeleteIndexEntryIfOwnedAsync(contactId, channel, address.Value, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await _contacts.DeleteEntityAsync(contactId, ProfileRowKey, profile.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Someone else finished the erasure and the id has been reused meanwhile: not ours to delete.
        }
    }

    private async Task<List<string>> ListConsentRowKeysAsync(string contactId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var row in _contacts.QueryAsync<TableEntity>(ConsentFilter(contactId), maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(row.RowKey);
        }
        return keys;
    }

    // ------------------------------------------------------------------ consent

    public async Task<ConsentAppendResult> AppendConsentAsync(string contactId, ConsentEvent consent, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        ArgumentNullException.ThrowIfNull(consent);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var before = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (before is not { Erasing: false })
        {
            return new ConsentAppendResult(false, null);
        }

        var id = consent.At.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|" + Guid.NewGuid().ToString("N");
        var appended = consent with { Id = id };
        var rowKey = ConsentRowKeyPrefix + id;
        await _contacts.AddEntityAsync(new TableEntity(contactId, rowKey)
        {
            [DataProperty] = ContactJson.SerializeConsent(appended),
            [SchemaVersionProperty] = ContactJson.SchemaVersion,
        }, cancellationToken).ConfigureAwait(false);

        // An erasure committed between the check and the write would miss this row if its listing came first: verify
        // the same contact (same incarnation) is still there, otherwise take the row back.
        var after = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (after is not { Erasing: false } || after.Incarnation != before.Incarnation)
        {
            await _contacts.DeleteEntityAsync(contactId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ConsentAppendResult(false, null);
        }
        return new ConsentAppendResult(true, appended);
    }

    public async Task<IReadOnlyList<ConsentEvent>?> GetConsentHistoryAsync(string contactId, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var profile = await ReadProfileAsync(contactId, cancellationToken).ConfigureAwait(false);
        if (profile is not { Erasing: false })
        {
            return null;
        }
        var history = new List<ConsentEvent>();
        await foreach (var row in _contacts.QueryAsync<TableEntity>(ConsentFilter(contactId), maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            history.Add(ContactJson.DeserializeConsent(row.GetString(DataProperty) ?? "", row.RowKey[ConsentRowKeyPrefix.Length..]));
        }
        // The service returns rows in RowKey order, which is time order; sort anyway, ordinally, to not depend on it.
        history.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return history;
    }

    /// <summary>
    /// The profile and the consent rows with one range query of the contact's partition (RowKeys <c>consent|…</c> up
    /// to <c>contact</c>, which sorts right after them): one transaction per 1,000 rows instead of a profile read, a
    /// second profile read and a consent query. Null when there is no contact or it is being erased.
    /// </summary>
    public async Task<ContactWithConsent?> GetWithConsentAsync(string contactId, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        Profile? profile = null;
        var history = new List<ConsentEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and RowKey ge {ConsentRowKeyPrefix} and RowKey le {ProfileRowKey}");
        await foreach (var row in _contacts.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == ProfileRowKey)
            {
                profile = ToProfile(contactId, row);
            }
            else if (row.RowKey.StartsWith(ConsentRowKeyPrefix, StringComparison.Ordinal))
            {
                history.Add(ContactJson.DeserializeConsent(row.GetString(DataProperty) ?? "", row.RowKey[ConsentRowKeyPrefix.Length..]));
            }
        }
        if (profile is not { Erasing: false })
        {
            return null;
        }
        history.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return new ContactWithConsent(new StoredContact(profile.Contact, profile.ETag.ToString()), history);
    }

    // ------------------------------------------------------------------ helpers

    private sealed record Profile(Contact Contact, ETag ETag, string Incarnation, bool Erasing);

    private async Task<Profile?> ReadProfileAsync(string contactId, CancellationToken cancellationToken)
    {
        var response = await _contacts.GetEntityIfExistsAsync<TableEntity>(contactId, ProfileRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue)
        {
            return null;
        }
        return ToProfile(contactId, response.Value!);
    }

    private static Profile ToProfile(string contactId, TableEntity entity)
    {
        var data = entity.GetString(DataProperty) ?? throw new InvalidDataException($"The profile of contact '{ContactIds.Redact(contactId)}' has no Data.");
        return new Profile(ContactJson.DeserializeContact(data), entity.ETag, entity.GetString(IncarnationProperty) ?? "", entity.GetBoolean(ErasingProperty) == true);
    }

    private static string ConsentFilter(string contactId) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and RowKey ge {ConsentRowKeyPrefix} and RowKey lt {ConsentRowKeyEnd}");

    private static bool HasAddress(Contact contact, Channel channel, string address) =>
        contact.Addresses.TryGetValue(channel, out var current) &&
        string.Equals(MatchKey(channel, current.Value), MatchKey(channel, address), StringComparison.Ordinal);

    private static string MatchKey(Channel channel, string address) =>
        channel == Channel.Email ? address.ToLowerInvariant() : address;

    private static void ValidateContactId(string? contactId, string paramName)
    {
        ArgumentNullException.ThrowIfNull(contactId, paramName);
        if (!ContactIdPattern().IsMatch(contactId))
        {
            throw new ArgumentException("A contact id is 1-128 characters of A-Z a-z 0-9 . _ @ : + -, starting with a letter or digit.", paramName);
        }
    }

    private static void CheckProfileSize(string data)
    {
        if (data.Length > MaxProfileJsonLength)
        {
            throw new ArgumentException(
                $"The contact serialises to {data.Length} characters; a Table Storage string property holds at most 64 KiB (32,767 characters are allowed here).",
                "contact");
        }
    }

    /// <summary>ETags compared as strings, quoted or not (a weak prefix W/ is ignored on both sides).</summary>
    internal static bool ETagsEqual(string given, ETag stored) =>
        string.Equals(Unquote(given), Unquote(stored.ToString()), StringComparison.Ordinal);

    private static string Unquote(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
    }
}
