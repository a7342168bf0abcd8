using Azure;
using Omni.Azure.Tables;
using Omni.Core.Messages;

namespace Omni.Storage.Messages;

/// <summary>
/// <see cref="IIdempotencyStore"/> on Azure Table Storage. Table <c>idempotency</c>: PartitionKey =
/// <c>{scope}|{sha256(key)}</c>, RowKey empty; <c>RequestHash</c>, <c>Result</c>, <c>CreatedAt</c>. A claim is an
/// insert (the key enforces one winner); an entry older than <see cref="IdempotencyEntry.Retention"/> is taken over
/// with its ETag, so two racing claims of an expired key cannot both win. See docs/storage.md.
/// </summary>
public sealed class TableIdempotencyStore : IIdempotencyStore
{
    /// <summary>Default table name.</summary>
    public const string IdempotencyTable = "idempotency";

    /// <summary>RowKey of every entry.</summary>
    public const string EntryRowKey = "";

    /// <summary>Longest <c>result</c> stored (a Table string property holds 32,767 UTF-16 characters).</summary>
    public const int MaxResultLength = 30_000;

    internal const string RequestHashProperty = "RequestHash";
    internal const string ResultProperty = "Result";
    internal const string CreatedAtProperty = "CreatedAt";

    private const int MaxScopeLength = 256;
    private const int MaxRequestHashLength = 512;
    private const int ClaimAttempts = 5;

    private readonly TableIdempotencyStoreOptions _options;
    private readonly TableClient _table;
    private readonly TablesOnce _ensure;

    public TableIdempotencyStore(TableServiceClient tables, TableIdempotencyStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _options = options ?? new TableIdempotencyStoreOptions();
        _ensure = new TablesOnce(tables, _options.TableName);
        _table = tables.GetTableClient(_options.TableName);
    }

    /// <summary>
    /// The PartitionKey of (<paramref name="scope"/>, <paramref name="key"/>): the scope verbatim, <c>|</c>, the lower-case
    /// hex SHA-256 of the UTF-8 key (keys come from clients: any characters, any length; never stored in clear).
    /// </summary>
    public static string PartitionKeyFor(string scope, string key)
    {
        StorageKeys.ValidateSegment(scope, MaxScopeLength, nameof(scope));
        ArgumentException.ThrowIfNullOrEmpty(key);
        return scope + "|" + StorageKeys.Sha256Hex(key);
    }

    /// <summary>Creates the table if it does not exist; runs once per instance.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    /// <summary>
    /// Inserts the entry; if the key is taken by a live entry returns that one with <c>Created = false</c>; if it is taken
    /// by an expired one (<c>CreatedAt + Retention</c> before <paramref name="now"/>) replaces it If-Match its ETag and
    /// returns <c>Created = true</c>. Races are decided by the service (409/412) and retried.
    /// </summary>
    /// <exception cref="ArgumentException">Empty or key-unsafe scope, empty key, hash or result too long.</exception>
    public async Task<IdempotencyEntry> ClaimAsync(string scope, string key, string requestHash, string result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partitionKey = PartitionKeyFor(scope, key);
        ArgumentNullException.ThrowIfNull(requestHash);
        ArgumentNullException.ThrowIfNull(result);
        if (requestHash.Length > MaxRequestHashLength)
        {
            throw new ArgumentException($"A request hash is at most {MaxRequestHashLength} characters.", nameof(requestHash));
        }
        if (result.Length > MaxResultLength)
        {
            throw new ArgumentException($"An idempotency result is at most {MaxResultLength} characters.", nameof(result));
        }
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        var entity = new TableEntity(partitionKey, EntryRowKey)
        {
            [RequestHashProperty] = requestHash,
            [ResultProperty] = result,
            [CreatedAtProperty] = now,
        };
        var claimed = new IdempotencyEntry(true, requestHash, result, now);
        for (var attempt = 0; attempt < ClaimAttempts; attempt++)
        {
            try
            {
                await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                return claimed;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }

            var current = await _table.GetEntityIfExistsAsync<TableEntity>(partitionKey, EntryRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                continue; // deleted meanwhile: insert again
            }
            var stored = current.Value!;
            var createdAt = stored.GetDateTimeOffset(CreatedAtProperty);
            if (createdAt is { } at && at + IdempotencyEntry.Retention >= now)
            {
                return new IdempotencyEntry(false, stored.GetString(RequestHashProperty) ?? "", stored.GetString(ResultProperty) ?? "", at);
            }
            // Expired (or unreadable): take it over, but only the version we read, so of two racing claims one wins.
            try
            {
                await _table.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return claimed;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Another claim replaced (or someone deleted) it first: read again.
            }
        }
        throw new InvalidOperationException($"The idempotency key could not be claimed after {ClaimAttempts} contended attempts.");
    }
}
