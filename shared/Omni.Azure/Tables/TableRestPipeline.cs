using System.Buffers;
using System.Net;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.Tables;

/// <summary>
/// What <see cref="TableServiceClient"/> and its <see cref="TableClient"/>s share: one pipeline, the service endpoint,
/// the REST version, and how requests are shaped and failures turned into exceptions.
/// </summary>
internal sealed class TableRestPipeline
{
    internal const string JsonMinimalMetadata = "application/json;odata=minimalmetadata";
    internal const string StorageScope = "https://storage.azure.com/.default";

    private readonly string _scheme;
    private readonly string _host;
    private readonly int _port;
    private readonly string _basePath;

    public TableRestPipeline(HttpPipeline pipeline, Uri endpoint, string version, string accountName)
    {
        Pipeline = pipeline;
        Version = version;
        AccountName = accountName;
        _scheme = endpoint.Scheme;
        _host = endpoint.Host;
        _port = endpoint.Port;
        _basePath = endpoint.AbsolutePath.TrimEnd('/');
        Endpoint = new Uri($"{endpoint.GetLeftPart(UriPartial.Authority)}{_basePath}");
    }

    public HttpPipeline Pipeline { get; }

    /// <summary>The service endpoint without query or trailing slash, e.g. http://127.0.0.1:10002/devstoreaccount1.</summary>
    public Uri Endpoint { get; }

    public string Version { get; }

    public string AccountName { get; }

    /// <summary>Builds the pipeline once for a client: authentication in the per-retry slot, odata.error-aware failures.</summary>
    public static TableRestPipeline Create(Uri endpoint, HttpPipelinePolicy authentication, string? accountName, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The Table endpoint must be an absolute http(s) URI.", nameof(endpoint));
        }
        options ??= new TableClientOptions();
        var pipelineOptions = new HttpPipelineOptions(options)
        {
            RequestFailedDetailsParser = TableErrorParser.Instance,
        };
        pipelineOptions.PerRetryPolicies.Add(authentication);
        var pipeline = HttpPipelineBuilder.Build(pipelineOptions);
        return new TableRestPipeline(pipeline, endpoint, options.Version, accountName ?? AccountNameFrom(endpoint));
    }

    /// <summary>The account in a path-style (emulator, IP) endpoint's first segment, else the host's first label.</summary>
    internal static string AccountNameFrom(Uri endpoint)
    {
        if (endpoint.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || endpoint.IsLoopback)
        {
            var segment = endpoint.AbsolutePath.Trim('/').Split('/')[0];
            if (segment.Length > 0)
            {
                return segment;
            }
        }
        var dot = endpoint.Host.IndexOf('.');
        return dot > 0 ? endpoint.Host[..dot] : endpoint.Host;
    }

    /// <summary>A request to <paramref name="escapedPath"/> (already percent-encoded) below the service endpoint.</summary>
    public HttpMessage CreateMessage(RequestMethod method, string escapedPath)
    {
        var message = Pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Scheme = _scheme;
        request.Uri.Host = _host;
        request.Uri.Port = _port;
        request.Uri.Path = _basePath + "/" + escapedPath;
        request.Headers.SetValue("x-ms-version", Version);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        request.Headers.SetValue("Accept", JsonMinimalMetadata);
        return message;
    }

    public static void AppendQuery(HttpMessage message, string name, string value) =>
        message.Request.Uri.AppendQuery(name, Uri.EscapeDataString(value), escapeValue: false);

    public static void SetJsonContent(HttpMessage message, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, TableEntityJson.WriterOptions))
        {
            write(writer);
        }
        message.Request.Content = RequestContent.Create(buffer.WrittenMemory);
        message.Request.Headers.SetValue("Content-Type", "application/json");
    }

    public async ValueTask<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await Pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    public static RequestFailedException Failure(Response response) => new(response, null, TableErrorParser.Instance);

    public static JsonDocument ParseJson(Response response) => JsonDocument.Parse(response.Content.ToMemory());

    /// <summary>"Tables('name')" – tables are addressed by a validated name, so no escaping is needed.</summary>
    public static string TablePath(string tableName) => $"Tables('{tableName}')";

    /// <summary>"table(PartitionKey='pk',RowKey='rk')" with quotes doubled, then percent-encoded.</summary>
    public static string EntityPath(string tableName, string partitionKey, string rowKey) =>
        $"{tableName}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    private static string EscapeKey(string key) => Uri.EscapeDataString(TableOdataFilter.EscapeString(key));

    // ------------------------------------------------------------------ table operations shared by both clients

    public async Task<Response<TableItem>> CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken)
    {
        TableValidation.ValidateTableName(tableName, nameof(tableName));
        using var message = CreateMessage(RequestMethod.Post, "Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", tableName);
            writer.WriteEndObject();
        });
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            (int)HttpStatusCode.Created or (int)HttpStatusCode.NoContent => Response.FromValue(new TableItem(tableName), response),
            // Already there is what "if not exists" asks for; any other conflict (TableBeingDeleted) is not.
            (int)HttpStatusCode.Conflict when TableErrorParser.GetErrorCode(response) == "TableAlreadyExists" =>
                Response.FromValue(new TableItem(tableName), response),
            _ => throw Failure(response),
        };
    }

    public async Task<Response> DeleteTableAsync(string tableName, CancellationToken cancellationToken)
    {
        TableValidation.ValidateTableName(tableName, nameof(tableName));
        using var message = CreateMessage(RequestMethod.Delete, TablePath(tableName));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status is (int)HttpStatusCode.NoContent or (int)HttpStatusCode.NotFound ? response : throw Failure(response);
    }
}

/// <summary>A <see cref="NullableResponse{T}"/> for "not found" outcomes.</summary>
internal sealed class NoValueResponse<T>(Response response) : NullableResponse<T>
{
    public override bool HasValue => false;

    public override T Value => throw new InvalidOperationException(
        $"The response has no value (status {response.Status}); check HasValue first.");

    public override Response GetRawResponse() => response;
}

/// <summary>Pages fetched on demand; each page's continuation token asks for the next, until there is none.</summary>
internal sealed class TablePageable<T> : AsyncPageable<T> where T : notnull
{
    private readonly Func<string?, int?, CancellationToken, Task<Page<T>>> _fetchPage;

    public TablePageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, CancellationToken cancellationToken)
        : base(cancellationToken) => _fetchPage = fetchPage;

    public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        do
        {
            var page = await _fetchPage(continuationToken, pageSizeHint, CancellationToken).ConfigureAwait(false);
            yield return page;
            continuationToken = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuationToken));
    }
}
