using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.Tables;

/// <summary>
/// The Table service of a storage account: create, delete and list tables, and hand out <see cref="TableClient"/>s
/// that share this client's pipeline. Mirrors <c>Azure.Data.Tables.TableServiceClient</c> (the subset Omni uses).
/// </summary>
public class TableServiceClient
{
    private readonly TableRestPipeline _rest;

    /// <summary>For mocking.</summary>
    protected TableServiceClient() => _rest = null!;

    /// <summary>
    /// Connects with a storage connection string: account key (with <c>TableEndpoint</c> or <c>EndpointSuffix</c>),
    /// <c>UseDevelopmentStorage=true</c> (Azurite at http://127.0.0.1:10002/devstoreaccount1) or a SAS
    /// (<c>TableEndpoint=...;SharedAccessSignature=...</c>).
    /// </summary>
    public TableServiceClient(string connectionString, TableClientOptions? options = null)
        : this(TableConnectionString.Parse(connectionString), options)
    {
    }

    /// <summary>Connects to <paramref name="endpoint"/> (e.g. https://account.table.core.windows.net) with an account key.</summary>
    public TableServiceClient(Uri endpoint, TableSharedKeyCredential credential, TableClientOptions? options = null)
        : this(endpoint, new TableSharedKeyPipelinePolicy(credential ?? throw new ArgumentNullException(nameof(credential)), options?.TimeProvider), credential.AccountName, options)
    {
    }

    /// <summary>Connects to <paramref name="endpoint"/> with a shared access signature appended to every request.</summary>
    public TableServiceClient(Uri endpoint, AzureSasCredential credential, TableClientOptions? options = null)
        : this(WithoutQuery(endpoint), new TableSasPipelinePolicy(credential ?? throw new ArgumentNullException(nameof(credential))), null, options)
    {
    }

    /// <summary>Connects to <paramref name="endpoint"/> with Entra ID tokens for https://storage.azure.com/.default.</summary>
    public TableServiceClient(Uri endpoint, TokenCredential tokenCredential, TableClientOptions? options = null)
        : this(endpoint, new BearerTokenAuthenticationPolicy(tokenCredential ?? throw new ArgumentNullException(nameof(tokenCredential)), TableRestPipeline.StorageScope), null, options)
    {
    }

    private TableServiceClient(TableConnectionString connection, TableClientOptions? options)
        : this(connection.TableEndpoint, AuthenticationFor(connection, options), connection.AccountName, options)
    {
    }

    private TableServiceClient(Uri endpoint, HttpPipelinePolicy authentication, string? accountName, TableClientOptions? options) =>
        _rest = TableRestPipeline.Create(endpoint, authentication, accountName, options);

    /// <summary>The storage account name.</summary>
    public virtual string AccountName => _rest.AccountName;

    /// <summary>The Table service endpoint.</summary>
    public virtual Uri Uri => _rest.Endpoint;

    /// <summary>A client for one table, sharing this client's pipeline and credentials.</summary>
    /// <exception cref="ArgumentException">The name is not a valid table name.</exception>
    public virtual TableClient GetTableClient(string tableName) => new(_rest, tableName);

    /// <summary>Builds an OData filter from an interpolated string, escaping every argument into a typed literal.</summary>
    public static string CreateQueryFilter(FormattableString filter) => TableOdataFilter.Create(filter);

    /// <summary>Creates the table; if it already exists that is not an error (the raw response then has status 409).</summary>
    public virtual Task<Response<TableItem>> CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken = default) =>
        _rest.CreateTableIfNotExistsAsync(tableName, cancellationToken);

    /// <summary>Deletes the table; a table that does not exist is not an error (status 404 in the raw response).</summary>
    public virtual Task<Response> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default) =>
        _rest.DeleteTableAsync(tableName, cancellationToken);

    /// <summary>Lists tables, optionally filtered (e.g. <c>TableName eq 'x'</c>), following continuation across pages.</summary>
    public virtual AsyncPageable<TableItem> QueryAsync(string? filter = null, int? maxPerPage = null, CancellationToken cancellationToken = default) =>
        new TablePageable<TableItem>((token, pageSize, ct) => QueryPageAsync(filter, pageSize ?? maxPerPage, token, ct), cancellationToken);

    private async Task<Page<TableItem>> QueryPageAsync(string? filter, int? top, string? continuationToken, CancellationToken cancellationToken)
    {
        using var message = _rest.CreateMessage(RequestMethod.Get, "Tables");
        if (!string.IsNullOrEmpty(filter))
        {
            TableRestPipeline.AppendQuery(message, "$filter", filter);
        }
        if (top is { } t)
        {
            TableRestPipeline.AppendQuery(message, "$top", t.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (!string.IsNullOrEmpty(continuationToken))
        {
            TableRestPipeline.AppendQuery(message, "NextTableName", continuationToken);
        }
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw TableRestPipeline.Failure(response);
        }
        using var document = TableRestPipeline.ParseJson(response);
        var items = new List<TableItem>();
        if (document.RootElement.TryGetProperty("value", out var value))
        {
            foreach (var table in value.EnumerateArray())
            {
                if (table.TryGetProperty("TableName", out var name) && name.GetString() is { } tableName)
                {
                    items.Add(new TableItem(tableName));
                }
            }
        }
        response.Headers.TryGetValue("x-ms-continuation-NextTableName", out var next);
        return Page<TableItem>.FromValues(items, string.IsNullOrEmpty(next) ? null : next, response);
    }

    internal static HttpPipelinePolicy AuthenticationFor(TableConnectionString connection, TableClientOptions? options) =>
        connection.SharedKey is { } key
            ? new TableSharedKeyPipelinePolicy(key, options?.TimeProvider)
            : new TableSasPipelinePolicy(new AzureSasCredential(connection.SharedAccessSignature!));

    internal static Uri WithoutQuery(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.IsAbsoluteUri && endpoint.Query.Length > 0 ? new Uri(endpoint.GetLeftPart(UriPartial.Path)) : endpoint;
    }
}
