using Azure;
using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Storage.Templates;

/// <summary>
/// <see cref="ITemplateStore"/> on Azure Table Storage. Table <c>templates</c>: PartitionKey = template id, RowKey
/// <c>template</c>; the template is UTF-8 JSON split over binary properties <c>Data0</c>…<c>Data14</c> (a property holds
/// at most 64 KiB, an entity 1 MiB), <c>Chunks</c> says how many. The entity's ETag is the template's version.
/// </summary>
public sealed class TableTemplateStore : ITemplateStore
{
    /// <summary>RowKey of the template row.</summary>
    public const string RowKey = "template";

    /// <summary>Bytes per binary property.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>At most this many chunks: 15 × 64 KiB stays below the 1 MiB entity limit with room for the keys.</summary>
    public const int MaxChunks = 15;

    /// <summary>The largest template JSON (UTF-8 bytes) the store accepts.</summary>
    public const int MaxJsonBytes = ChunkBytes * MaxChunks;

    private const string ChunkPrefix = "Data";
    private const string ChunksProperty = "Chunks";
    private const string SchemaVersionProperty = "SchemaVersion";
    private const int PutAttempts = 3;

    private readonly TimeProvider _time;
    private readonly TableTemplateStoreOptions _options;
    private readonly TableClient _table;
    private readonly TablesOnce _ensure;

    public TableTemplateStore(TableServiceClient tables, TimeProvider time, TableTemplateStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _options = options ?? new TableTemplateStoreOptions();
        _ensure = new TablesOnce(tables, _options.TableName);
        _table = tables.GetTableClient(_options.TableName);
    }

    /// <summary>Creates the table if it does not exist; runs once per instance.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    public async Task<StoredTemplate?> GetAsync(string templateId, CancellationToken cancellationToken)
    {
        ValidateId(templateId, nameof(templateId));
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(templateId, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? Read(response.Value!) : null;
    }

    public async Task<TemplateWriteResult> PutAsync(Template template, string? ifMatch, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        ValidateId(template.Id, nameof(template));
        // Fail on oversized input before any I/O (timestamps have a fixed length, so this is the stored size).
        CheckSize(TemplateJson.Serialize(template with { CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }));
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        // An unconditional write that loses a race is retried (last writer wins); a conditional one reports it.
        var unconditional = ifMatch is null && ifNoneMatch is null;
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(template.Id, cancellationToken).ConfigureAwait(false);
            if (existing is null && ifMatch is not null)
            {
                return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
            }
            if (existing is not null)
            {
                if (ifNoneMatch is not null && (ifNoneMatch.Trim() == "*" || ETagsEqual(ifNoneMatch, existing.ETag)))
                {
                    return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
                }
                if (ifMatch is not null && ifMatch.Trim() != "*" && !ETagsEqual(ifMatch, existing.ETag))
                {
                    return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
                }
            }

            var now = _time.GetUtcNow();
            var stored = template with { CreatedAt = existing?.Template.CreatedAt ?? now, UpdatedAt = now };
            var entity = ToEntity(stored);
            try
            {
                var response = existing is null
                    ? await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                    : await _table.UpdateEntityAsync(entity, new ETag(existing.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                var etag = response.Headers.ETag?.ToString() ?? (await GetAsync(template.Id, cancellationToken).ConfigureAwait(false))?.ETag ?? "";
                return new TemplateWriteResult(existing is null ? StoreOutcome.Created : StoreOutcome.Replaced, new StoredTemplate(stored, etag));
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
            {
                // Someone else wrote or deleted it between the read and the write.
                if (!unconditional || attempt >= PutAttempts)
                {
                    return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
                }
            }
        }
    }

    public async Task<TemplateWriteResult> DeleteAsync(string templateId, string? ifMatch, CancellationToken cancellationToken)
    {
        ValidateId(templateId, nameof(templateId));
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var existing = await GetAsync(templateId, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return new TemplateWriteResult(StoreOutcome.NotFound);
        }
        if (ifMatch is not null && ifMatch.Trim() != "*" && !ETagsEqual(ifMatch, existing.ETag))
        {
            return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
        }
        try
        {
            var response = await _table.DeleteEntityAsync(templateId, RowKey, ifMatch is null ? ETag.All : new ETag(existing.ETag), cancellationToken).ConfigureAwait(false);
            return new TemplateWriteResult(response.Status == 404 ? StoreOutcome.NotFound : StoreOutcome.Deleted);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return new TemplateWriteResult(StoreOutcome.PreconditionFailed);
        }
    }

    public async Task<TemplatePage> ListAsync(int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 1000);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {RowKey}");
        try
        {
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                .AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize).ConfigureAwait(false))
            {
                return new TemplatePage(page.Values.Select(Read).ToList(), string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && continuationToken is not null)
        {
            throw new ArgumentException("The continuation token is not one this store handed out.", nameof(continuationToken), e);
        }
        return new TemplatePage([], null);
    }

    // ------------------------------------------------------------------ helpers

    private static TableEntity ToEntity(Template template)
    {
        var json = TemplateJson.Serialize(template);
        CheckSize(json);
        var entity = new TableEntity(template.Id, RowKey)
        {
            [SchemaVersionProperty] = TemplateJson.SchemaVersion,
        };
        var chunks = 0;
        for (var offset = 0; offset < json.Length || chunks == 0; offset += ChunkBytes)
        {
            entity[ChunkPrefix + chunks] = json.AsSpan(offset, Math.Min(ChunkBytes, json.Length - offset)).ToArray();
            chunks++;
        }
        entity[ChunksProperty] = chunks;
        return entity;
    }

    private static StoredTemplate Read(TableEntity entity)
    {
        var chunks = entity.GetInt32(ChunksProperty) ?? throw new InvalidDataException($"Template '{entity.PartitionKey}' has no {ChunksProperty}.");
        using var json = new MemoryStream();
        for (var i = 0; i < chunks; i++)
        {
            var chunk = entity.GetBinary(ChunkPrefix + i) ?? throw new InvalidDataException($"Template '{entity.PartitionKey}' lacks {ChunkPrefix}{i}.");
            json.Write(chunk);
        }
        return new StoredTemplate(TemplateJson.Deserialize(json.ToArray()), entity.ETag.ToString());
    }

    private static void CheckSize(byte[] json)
    {
        if (json.Length > MaxJsonBytes)
        {
            throw new ArgumentException($"The template serialises to {json.Length} bytes; the store holds at most {MaxJsonBytes}.", "template");
        }
    }

    private static void ValidateId(string? templateId, string paramName)
    {
        ArgumentNullException.ThrowIfNull(templateId, paramName);
        if (!MessageRequestValidator.IsValidId(templateId))
        {
            throw new ArgumentException($"A template id is 1–{MessageRequestValidator.MaxIdLength} characters of A-Z a-z 0-9 _ . -.", paramName);
        }
    }

    /// <summary>ETags compared as strings, quoted or not (a weak prefix W/ is ignored on both sides).</summary>
    internal static bool ETagsEqual(string given, string stored) =>
        string.Equals(Unquote(given), Unquote(stored), StringComparison.Ordinal);

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
