using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace Omni.Perf;

/// <summary>One request that went through a <see cref="CountingProxy"/>, classified.</summary>
/// <param name="Stage">What the measurement was doing when it arrived (set by the driver).</param>
/// <param name="Entity">The table or queue.</param>
/// <param name="Operation">insert, get, query, upsert-merge, merge, replace, delete, batch(n), send, send-batch(n), …</param>
/// <param name="Partition">The partition key, when the request names one.</param>
/// <param name="Items">Entities in a batch / messages in a send.</param>
/// <param name="Write">Whether it changes data (for the hot-partition check).</param>
internal sealed record CountedOperation(string Stage, string Entity, string Operation, string? Partition, int Status, int Items, bool Write);

/// <summary>
/// A counting reverse proxy on 127.0.0.1: forwards every request unchanged (path, query, headers, body) to
/// <see cref="Target"/> and records what it was. The handler's <c>AzureWebJobsStorage</c> or <c>ServiceBusConnection</c>
/// is pointed at it. Table SharedKey signatures do not cover the host, and the DevHost's SAS check accepts a token for
/// the same host on another port, so both keep working through it.
/// </summary>
internal sealed partial class CountingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _forward = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = 256,
    }) { Timeout = TimeSpan.FromSeconds(100) };
    private readonly Func<HttpRequest, byte[], int, string, CountedOperation> _classify;
    private readonly ConcurrentQueue<CountedOperation> _operations = new();
    private volatile string _stage = "setup";

    private CountingProxy(WebApplication app, Uri target, Func<HttpRequest, byte[], int, string, CountedOperation> classify)
    {
        _app = app;
        Target = target;
        _classify = classify;
    }

    /// <summary>Where requests are forwarded (scheme and authority; the request path is kept).</summary>
    public Uri Target { get; }

    /// <summary>The proxy's own address, <c>http://127.0.0.1:{port}</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The label recorded with every following request.</summary>
    public string Stage { get => _stage; set => _stage = value; }

    public IReadOnlyList<CountedOperation> Operations => [.. _operations];

    public void Clear() => _operations.Clear();

    /// <summary>A proxy in front of a Table endpoint (Azurite).</summary>
    public static Task<CountingProxy> StartTablesAsync(Uri target) => StartAsync(target, ClassifyTable);

    /// <summary>A proxy in front of the Service Bus REST endpoint (the DevHost's emulator).</summary>
    public static Task<CountingProxy> StartServiceBusAsync(Uri target) => StartAsync(target, ClassifyServiceBus);

    private static async Task<CountingProxy> StartAsync(Uri target, Func<HttpRequest, byte[], int, string, CountedOperation> classify)
    {
        var port = Omni.DevHost.Storage.Azurite.FreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        var app = builder.Build();
        var proxy = new CountingProxy(app, target, classify) { Address = new Uri($"http://127.0.0.1:{port}") };
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        return proxy;
    }

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        // The request target exactly as sent: re-encoding the decoded path would change what SharedKey signed
        // (e.g. '|' in a partition key) and Azurite would answer 403.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var uri = new Uri(Target.GetLeftPart(UriPartial.Authority) + rawTarget, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), uri) { Version = HttpVersion.Version11 };
        if (body.Length > 0 || request.ContentLength is not null || request.Headers.ContentType.Count > 0)
        {
            outgoing.Content = new ByteArrayContent(body);
        }
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key) || header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!outgoing.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        var status = 0;
        try
        {
            using var response = await _forward.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            status = (int)response.StatusCode;
            context.Response.StatusCode = status;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            status = 502;
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = 502;
            }
        }
        finally
        {
            try
            {
                _operations.Enqueue(_classify(request, body, status, _stage));
            }
            catch (Exception e) when (e is FormatException or JsonException or ArgumentException or IndexOutOfRangeException)
            {
                _operations.Enqueue(new CountedOperation(_stage, "?", request.Method + " (unclassified)", null, status, 1, request.Method != "GET"));
            }
        }
    }

    // ---- Table Storage ----------------------------------------------------------------------------------------

    [GeneratedRegex(@"^(?<table>[^(/]+)(\((?<keys>[^)]*)\))?$")]
    private static partial Regex TableSegment();

    [GeneratedRegex(@"PartitionKey='(?<pk>(?:[^']|'')*)'")]
    private static partial Regex PartitionKeyInKeys();

    [GeneratedRegex(@"PartitionKey\s+eq\s+'(?<pk>(?:[^']|'')*)'")]
    private static partial Regex PartitionKeyInFilter();

    [GeneratedRegex("\"PartitionKey\"\\s*:\\s*\"(?<pk>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex PartitionKeyInJson();

    [GeneratedRegex(@"^(?<method>GET|POST|PUT|MERGE|PATCH|DELETE) (?<url>\S+) HTTP/1\.1\r?$", RegexOptions.Multiline)]
    private static partial Regex BatchPart();

    /// <summary>Classifies a Table REST request: path <c>/{account}/{table}[(keys)]</c>, <c>/{account}/Tables</c>, <c>/{account}/$batch</c>.</summary>
    internal static CountedOperation ClassifyTable(HttpRequest request, byte[] body, int status, string stage)
    {
        var segments = Uri.UnescapeDataString(request.Path.Value ?? "").Trim('/').Split('/', 2);
        var resource = segments.Length > 1 ? segments[1] : segments[0];
        var ifMatch = request.Headers.IfMatch.Count > 0;
        if (resource == "$batch")
        {
            var text = Encoding.UTF8.GetString(body);
            var parts = BatchPart().Matches(text).Select(m =>
            {
                var url = new Uri(m.Groups["url"].Value, UriKind.RelativeOrAbsolute);
                var path = Uri.UnescapeDataString(url.IsAbsoluteUri ? url.AbsolutePath : m.Groups["url"].Value);
                return (Method: m.Groups["method"].Value, Path: path.Trim('/').Split('/').Last());
            }).ToList();
            var table = parts.Count > 0 && TableSegment().Match(parts[0].Path) is { Success: true } t ? t.Groups["table"].Value : "?";
            var pk = PartitionKeyInKeys().Match(string.Join(" ", parts.Select(p => p.Path))) is { Success: true } k
                ? Unquote(k.Groups["pk"].Value)
                : PartitionKeyInJson().Match(text) is { Success: true } j ? JsonString(j.Groups["pk"].Value) : null;
            var kinds = string.Join("+", parts.GroupBy(p => p.Method).Select(g => $"{g.Count()}×{g.Key}"));
            return new CountedOperation(stage, table, $"batch[{kinds}]", pk, status, parts.Count, true);
        }
        if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            var op = request.Method switch { "POST" => "create-table", "DELETE" => "delete-table", _ => "list-tables" };
            return new CountedOperation(stage, "Tables", op, null, status, 1, request.Method != "GET");
        }
        var match = TableSegment().Match(resource);
        var name = match.Success ? match.Groups["table"].Value : resource;
        var keys = match.Groups["keys"].Success ? match.Groups["keys"].Value : "";
        var keyPk = PartitionKeyInKeys().Match(keys) is { Success: true } km ? Unquote(km.Groups["pk"].Value) : null;
        switch (request.Method)
        {
            case "GET":
                if (keyPk is not null)
                {
                    return new CountedOperation(stage, name, "get", keyPk, status, 1, false);
                }
                var filter = request.Query["$filter"].ToString();
                var filterPk = PartitionKeyInFilter().Match(filter) is { Success: true } fm ? Unquote(fm.Groups["pk"].Value) : null;
                return new CountedOperation(stage, name, filterPk is null ? "query(scan)" : "query", filterPk, status, 1, false);
            case "POST":
                var bodyPk = PartitionKeyInJson().Match(Encoding.UTF8.GetString(body)) is { Success: true } bm ? JsonString(bm.Groups["pk"].Value) : null;
                return new CountedOperation(stage, name, "insert", bodyPk, status, 1, true);
            case "PUT":
                return new CountedOperation(stage, name, ifMatch ? "replace" : "upsert-replace", keyPk, status, 1, true);
            case "MERGE" or "PATCH":
                return new CountedOperation(stage, name, ifMatch ? "merge" : "upsert-merge", keyPk, status, 1, true);
            case "DELETE":
                return new CountedOperation(stage, name, "delete", keyPk, status, 1, true);
            default:
                return new CountedOperation(stage, name, request.Method, keyPk, status, 1, true);
        }
    }

    private static string Unquote(string value) => value.Replace("''", "'", StringComparison.Ordinal);

    private static string JsonString(string escaped) => JsonSerializer.Deserialize<string>("\"" + escaped + "\"") ?? escaped;

    // ---- Service Bus ------------------------------------------------------------------------------------------

    /// <summary>Classifies a Service Bus REST request: <c>POST /{queue}/messages</c> (single, or a JSON batch), receives, settles.</summary>
    internal static CountedOperation ClassifyServiceBus(HttpRequest request, byte[] body, int status, string stage)
    {
        var segments = (request.Path.Value ?? "").Trim('/').Split('/');
        var queue = segments.Length > 0 ? Uri.UnescapeDataString(segments[0]) : "?";
        if (request.Method == "POST" && segments.Length == 2 && segments[1] == "messages")
        {
            var scheduled = request.Headers.TryGetValue("BrokerProperties", out var broker) && broker.ToString().Contains("ScheduledEnqueueTimeUtc", StringComparison.Ordinal);
            if (request.ContentType?.StartsWith("application/vnd.microsoft.servicebus.json", StringComparison.OrdinalIgnoreCase) == true)
            {
                using var json = JsonDocument.Parse(body);
                var count = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.GetArrayLength() : 1;
                var anyScheduled = json.RootElement.ValueKind == JsonValueKind.Array &&
                    json.RootElement.EnumerateArray().Any(m => m.TryGetProperty("BrokerProperties", out var b) && b.ToString().Contains("ScheduledEnqueueTimeUtc", StringComparison.Ordinal));
                return new CountedOperation(stage, queue, anyScheduled ? "send-batch(scheduled)" : "send-batch", null, status, count, true);
            }
            return new CountedOperation(stage, queue, scheduled ? "send(scheduled)" : "send", null, status, 1, true);
        }
        var op = request.Method switch
        {
            "POST" => "receive",
            "DELETE" => "complete",
            "PUT" => "abandon",
            _ => request.Method,
        };
        return new CountedOperation(stage, queue, op, null, status, 1, request.Method != "GET");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }
}
