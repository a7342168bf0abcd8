using System.Globalization;
using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.Tables;

/// <summary>
/// One table: create/delete it, and read, write, query and transact its entities. Mirrors
/// <c>Azure.Data.Tables.TableClient</c> (the subset Omni uses); all methods are async and virtual, so it can be mocked.
/// </summary>
/// <remarks>
/// Failures the caller did not ask to treat as outcomes surface as <see cref="RequestFailedException"/> with
/// <see cref="RequestFailedException.Status"/> and <see cref="RequestFailedException.ErrorCode"/> (from the
/// <c>odata.error</c> body or the <c>x-ms-error-code</c> header), e.g. 409 EntityAlreadyExists or
/// 412 UpdateConditionNotSatisfied. Invalid names and keys are rejected with <see cref="ArgumentException"/> before sending.
/// </remarks>
public class TableClient
{
    private static readonly RequestMethod MergeMethod = new("MERGE");

    private readonly TableRestPipeline _rest;

    /// <summary>For mocking.</summary>
    protected TableClient()
    {
        _rest = null!;
        Name = null!;
    }

    /// <summary>Connects with a storage connection string (see <see cref="TableServiceClient(string, TableClientOptions?)"/>).</summary>
    public TableClient(string connectionString, string tableName, TableClientOptions? options = null)
        : this(TableConnectionString.Parse(connectionString), tableName, options)
    {
    }

    /// <summary>Connects to the table <paramref name="tableName"/> of the account at <paramref name="endpoint"/> with an account key.</summary>
    public TableClient(Uri endpoint, string tableName, TableSharedKeyCredential credential, TableClientOptions? options = null)
        : this(endpoint, tableName, new TableSharedKeyPipelinePolicy(credential ?? throw new ArgumentNullException(nameof(credential)), options?.TimeProvider), credential.AccountName, options)
    {
    }

    /// <summary>
    /// Connects with a SAS; <paramref name="endpoint"/> is the table's own URI, e.g. https://account.table.core.windows.net/mytable
    /// (any query on it is ignored: the signature comes from <paramref name="credential"/>).
    /// </summary>
    public TableClient(Uri endpoint, AzureSasCredential credential, TableClientOptions? options = null)
        : this(ServiceEndpointOf(endpoint), TableNameOf(endpoint), new TableSasPipelinePolicy(credential ?? throw new ArgumentNullException(nameof(credential))), null, options)
    {
    }

    /// <summary>Connects with Entra ID tokens for https://storage.azure.com/.default.</summary>
    public TableClient(Uri endpoint, string tableName, TokenCredential tokenCredential, TableClientOptions? options = null)
        : this(endpoint, tableName, new BearerTokenAuthenticationPolicy(tokenCredential ?? throw new ArgumentNullException(nameof(tokenCredential)), TableRestPipeline.StorageScope), null, options)
    {
    }

    private TableClient(TableConnectionString connection, string tableName, TableClientOptions? options)
        : this(connection.TableEndpoint, tableName, TableServiceClient.AuthenticationFor(connection, options), connection.AccountName, options)
    {
    }

    private TableClient(Uri endpoint, string tableName, HttpPipelinePolicy authentication, string? accountName, TableClientOptions? options)
    {
        TableValidation.ValidateTableName(tableName, nameof(tableName));
        _rest = TableRestPipeline.Create(endpoint, authentication, accountName, options);
        Name = tableName;
    }

    internal TableClient(TableRestPipeline rest, string tableName)
    {
        TableValidation.ValidateTableName(tableName, nameof(tableName));
        _rest = rest;
        Name = tableName;
    }

    /// <summary>The table name.</summary>
    public virtual string Name { get; }

    /// <summary>The storage account name.</summary>
    public virtual string AccountName => _rest.AccountName;

    /// <summary>The table's URI.</summary>
    public virtual Uri Uri => new($"{_rest.Endpoint.AbsoluteUri.TrimEnd('/')}/{Name}");

    /// <summary>
    /// Builds an OData filter from an interpolated string. Literal text is kept; each argument becomes a typed literal:
    /// strings quoted with <c>'</c> doubled, <c>guid'…'</c>, <c>datetime'…'</c>, <c>123L</c>, <c>true</c>, <c>1.5</c>,
    /// <c>X'0a0b'</c>. Use it for any filter that contains a value from outside.
    /// </summary>
    /// <example><c>TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and Sent ge {since}")</c></example>
    public static string CreateQueryFilter(FormattableString filter) => TableOdataFilter.Create(filter);

    // ------------------------------------------------------------------ table

    /// <summary>Creates the table; if it already exists that is not an error (the raw response then has status 409).</summary>
    public virtual Task<Response<TableItem>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
        _rest.CreateTableIfNotExistsAsync(Name, cancellationToken);

    /// <summary>Deletes the table; a table that does not exist is not an error (status 404 in the raw response).</summary>
    public virtual Task<Response> DeleteAsync(CancellationToken cancellationToken = default) =>
        _rest.DeleteTableAsync(Name, cancellationToken);

    // ------------------------------------------------------------------ single entities

    /// <summary>Reads one entity; a missing entity throws <see cref="RequestFailedException"/> with status 404.</summary>
    /// <param name="partitionKey">The partition key.</param>
    /// <param name="rowKey">The row key.</param>
    /// <param name="select">Property names to return (all when null).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public virtual async Task<Response<T>> GetEntityAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        var response = await GetEntityCoreAsync<T>(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        return response as Response<T> ?? throw TableRestPipeline.Failure(response.GetRawResponse());
    }

    /// <summary>Reads one entity; a missing entity is an outcome: <see cref="NullableResponse{T}.HasValue"/> is false.</summary>
    public virtual Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new() =>
        GetEntityCoreAsync<T>(partitionKey, rowKey, select, cancellationToken);

    private async Task<NullableResponse<T>> GetEntityCoreAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        TableValidation.ValidateKey(partitionKey, nameof(partitionKey));
        TableValidation.ValidateKey(rowKey, nameof(rowKey));
        using var message = _rest.CreateMessage(RequestMethod.Get, TableRestPipeline.EntityPath(Name, partitionKey, rowKey));
        AppendSelect(message, select);
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case (int)HttpStatusCode.OK:
                using (var document = TableRestPipeline.ParseJson(response))
                {
                    var entity = TableEntityJson.ReadEntity<T>(document.RootElement);
                    if (entity.ETag == default && response.Headers.ETag is { } etag)
                    {
                        entity.ETag = etag;
                    }
                    return Response.FromValue(entity, response);
                }
            case (int)HttpStatusCode.NotFound:
                return new NoValueResponse<T>(response);
            default:
                throw TableRestPipeline.Failure(response);
        }
    }

    /// <summary>Inserts the entity; if one with the same keys exists this throws <see cref="RequestFailedException"/> (409, EntityAlreadyExists).</summary>
    /// <returns>The raw response; its ETag header is the new entity's version.</returns>
    public virtual async Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default) where T : ITableEntity
    {
        TableValidation.ValidateEntityKeys(entity, nameof(entity));
        using var message = _rest.CreateMessage(RequestMethod.Post, Name);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        TableRestPipeline.SetJsonContent(message, writer => TableEntityJson.WriteEntity(writer, entity));
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is (int)HttpStatusCode.NoContent or (int)HttpStatusCode.Created ? response : throw TableRestPipeline.Failure(response);
    }

    /// <summary>Inserts the entity, or merges into / replaces the existing one, unconditionally.</summary>
    public virtual Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) where T : ITableEntity =>
        WriteEntityAsync(entity, ifMatch: null, mode, cancellationToken);

    /// <summary>
    /// Updates an existing entity if its version still matches <paramref name="ifMatch"/> (<see cref="ETag.All"/> for
    /// unconditional). A stale ETag throws <see cref="RequestFailedException"/> with status 412 and ErrorCode
    /// "UpdateConditionNotSatisfied"; a missing entity, status 404.
    /// </summary>
    public virtual Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) where T : ITableEntity
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("An update needs an If-Match ETag: the entity's ETag, or ETag.All for an unconditional update.", nameof(ifMatch));
        }
        return WriteEntityAsync(entity, ifMatch.ToString(), mode, cancellationToken);
    }

    private async Task<Response> WriteEntityAsync<T>(T entity, string? ifMatch, TableUpdateMode mode, CancellationToken cancellationToken) where T : ITableEntity
    {
        TableValidation.ValidateEntityKeys(entity, nameof(entity));
        var method = mode switch
        {
            TableUpdateMode.Merge => MergeMethod,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown update mode."),
        };
        using var message = _rest.CreateMessage(method, TableRestPipeline.EntityPath(Name, entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }
        TableRestPipeline.SetJsonContent(message, writer => TableEntityJson.WriteEntity(writer, entity));
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status == (int)HttpStatusCode.NoContent ? response : throw TableRestPipeline.Failure(response);
    }

    /// <summary>
    /// Deletes the entity if its version matches <paramref name="ifMatch"/> (<c>default</c> or <see cref="ETag.All"/>:
    /// unconditional). A missing entity is not an error (status 404 in the returned response); a stale ETag throws
    /// <see cref="RequestFailedException"/> with status 412.
    /// </summary>
    public virtual async Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        TableValidation.ValidateKey(partitionKey, nameof(partitionKey));
        TableValidation.ValidateKey(rowKey, nameof(rowKey));
        using var message = _rest.CreateMessage(RequestMethod.Delete, TableRestPipeline.EntityPath(Name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch == default ? "*" : ifMatch.ToString());
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is (int)HttpStatusCode.NoContent or (int)HttpStatusCode.NotFound ? response : throw TableRestPipeline.Failure(response);
    }

    // ------------------------------------------------------------------ queries

    /// <summary>
    /// Queries entities page by page, following the service's continuation (NextPartitionKey/NextRowKey) until the end.
    /// </summary>
    /// <param name="filter">An OData filter; build it with <see cref="CreateQueryFilter"/> when it contains values. Null for all.</param>
    /// <param name="maxPerPage">At most this many entities per page ($top); the service caps a page at 1,000.</param>
    /// <param name="select">Property names to return (all when null).</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    public virtual AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity, new()
    {
        if (maxPerPage is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), maxPerPage, "maxPerPage must be positive.");
        }
        var selectList = select?.ToArray();
        return new TablePageable<T>((token, pageSize, ct) => QueryPageAsync<T>(filter, pageSize ?? maxPerPage, selectList, token, ct), cancellationToken);
    }

    private async Task<Page<T>> QueryPageAsync<T>(string? filter, int? top, string[]? select, string? continuationToken, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        using var message = _rest.CreateMessage(RequestMethod.Get, Name + "()");
        if (!string.IsNullOrEmpty(filter))
        {
            TableRestPipeline.AppendQuery(message, "$filter", filter);
        }
        if (top is { } t)
        {
            TableRestPipeline.AppendQuery(message, "$top", t.ToString(CultureInfo.InvariantCulture));
        }
        AppendSelect(message, select);
        if (!string.IsNullOrEmpty(continuationToken))
        {
            // "NextPartitionKey NextRowKey": both are opaque service tokens without spaces.
            var space = continuationToken.IndexOf(' ');
            var nextPartitionKey = space < 0 ? continuationToken : continuationToken[..space];
            var nextRowKey = space < 0 ? null : continuationToken[(space + 1)..];
            TableRestPipeline.AppendQuery(message, "NextPartitionKey", nextPartitionKey);
            if (!string.IsNullOrEmpty(nextRowKey))
            {
                TableRestPipeline.AppendQuery(message, "NextRowKey", nextRowKey);
            }
        }
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != (int)HttpStatusCode.OK)
        {
            throw TableRestPipeline.Failure(response);
        }
        var items = new List<T>();
        using (var document = TableRestPipeline.ParseJson(response))
        {
            if (document.RootElement.TryGetProperty("value", out var value))
            {
                foreach (var element in value.EnumerateArray())
                {
                    items.Add(TableEntityJson.ReadEntity<T>(element));
                }
            }
        }
        string? next = null;
        if (response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var npk) && !string.IsNullOrEmpty(npk))
        {
            next = response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nrk) && !string.IsNullOrEmpty(nrk) ? npk + " " + nrk : npk;
        }
        return Page<T>.FromValues(items, next, response);
    }

    private static void AppendSelect(HttpMessage message, IEnumerable<string>? select)
    {
        if (select is null)
        {
            return;
        }
        var joined = string.Join(",", select);
        if (joined.Length > 0)
        {
            TableRestPipeline.AppendQuery(message, "$select", joined);
        }
    }

    // ------------------------------------------------------------------ transactions

    /// <summary>
    /// Applies up to 100 actions on one partition atomically (an entity group transaction). The actions are checked
    /// first (count, one PartitionKey, each row once, keys) and rejected with <see cref="ArgumentException"/>.
    /// If the service refuses any action, nothing is applied and <see cref="TableTransactionFailedException"/> says which.
    /// </summary>
    /// <returns>One response per action, in order.</returns>
    public virtual async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
    {
        var actions = TableTransactionBatch.Validate(transactionActions);
        var body = TableTransactionBatch.WriteBody(_rest.Endpoint, Name, actions, out var contentType);
        using var message = _rest.CreateMessage(RequestMethod.Post, "$batch");
        message.Request.Content = RequestContent.Create(body);
        message.Request.Headers.SetValue("Content-Type", contentType);
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != (int)HttpStatusCode.Accepted)
        {
            throw new TableTransactionFailedException(response, TableTransactionBatch.FailedActionIndex(response), TableErrorParser.Instance);
        }
        var parts = TableTransactionBatch.ParseResponse(response);
        var failed = parts.FirstOrDefault(p => p.Status >= 400);
        if (failed is not null)
        {
            throw new TableTransactionFailedException(failed, TableTransactionBatch.FailedActionIndex(failed), TableErrorParser.Instance);
        }
        if (parts.Count != actions.Count)
        {
            throw new RequestFailedException(response.Status,
                $"The transaction response holds {parts.Count} results for {actions.Count} actions.", null, null);
        }
        return Response.FromValue<IReadOnlyList<Response>>(parts, response);
    }

    private static Uri ServiceEndpointOf(Uri tableUri)
    {
        var uri = TableServiceClient.WithoutQuery(tableUri);
        var path = uri.AbsolutePath.TrimEnd('/');
        var slash = path.LastIndexOf('/');
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + (slash > 0 ? path[..slash] : string.Empty));
    }

    private static string TableNameOf(Uri tableUri)
    {
        ArgumentNullException.ThrowIfNull(tableUri);
        var path = tableUri.AbsolutePath.TrimEnd('/');
        return path[(path.LastIndexOf('/') + 1)..];
    }
}
