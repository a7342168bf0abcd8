using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;

namespace Omni.Azure.Tables;

/// <summary>
/// The multipart/mixed body of an entity group transaction ($batch with one changeset) and the parser of its
/// response. Inner lines end with CRLF; each inner request carries an absolute URL.
/// </summary>
internal static partial class TableTransactionBatch
{
    internal const int MaxActions = 100;
    internal const int MaxPayloadBytes = 4 * 1024 * 1024;

    [GeneratedRegex(@"^\s*(\d+)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex FailedIndexPrefix();

    /// <summary>Checks the actions before anything is sent: 1-100 actions, one PartitionKey, each row at most once.</summary>
    public static List<TableTransactionAction> Validate(IEnumerable<TableTransactionAction> transactionActions)
    {
        ArgumentNullException.ThrowIfNull(transactionActions);
        var actions = transactionActions.ToList();
        if (actions.Count == 0)
        {
            throw new ArgumentException("A transaction needs at least one action.", nameof(transactionActions));
        }
        if (actions.Count > MaxActions)
        {
            throw new ArgumentException(
                $"A transaction holds at most {MaxActions} actions; {actions.Count} were given. Split it into several transactions.",
                nameof(transactionActions));
        }
        var rows = new Dictionary<string, int>(actions.Count, StringComparer.Ordinal);
        string? partitionKey = null;
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i] ?? throw new ArgumentException($"Action {i} is null.", nameof(transactionActions));
            TableValidation.ValidateEntityKeys(action.Entity, nameof(transactionActions));
            partitionKey ??= action.Entity.PartitionKey;
            if (!string.Equals(partitionKey, action.Entity.PartitionKey, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"All actions of a transaction must share one PartitionKey: action 0 has '{partitionKey}' but action {i} has '{action.Entity.PartitionKey}'.",
                    nameof(transactionActions));
            }
            if (!rows.TryAdd(action.Entity.RowKey, i))
            {
                throw new ArgumentException(
                    $"Actions {rows[action.Entity.RowKey]} and {i} both target RowKey '{action.Entity.RowKey}'; a transaction may touch each entity once.",
                    nameof(transactionActions));
            }
        }
        return actions;
    }

    /// <summary>Writes the request body; <paramref name="contentType"/> receives the multipart Content-Type with its boundary.</summary>
    public static ReadOnlyMemory<byte> WriteBody(Uri serviceEndpoint, string tableName, IReadOnlyList<TableTransactionAction> actions, out string contentType)
    {
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("D");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("D");
        var baseUrl = serviceEndpoint.AbsoluteUri.TrimEnd('/') + "/";
        var buffer = new ArrayBufferWriter<byte>(1024 * actions.Count);
        using var json = new Utf8JsonWriter(buffer, TableEntityJson.WriterOptions);

        Write(buffer, $"--{batchBoundary}\r\nContent-Type: multipart/mixed; boundary={changesetBoundary}\r\n\r\n");
        foreach (var action in actions)
        {
            var entity = action.Entity;
            var (method, url, ifMatch, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", baseUrl + tableName, (string?)null, true),
                TableTransactionActionType.UpsertMerge => ("MERGE", EntityUrl(), null, true),
                TableTransactionActionType.UpsertReplace => ("PUT", EntityUrl(), null, true),
                TableTransactionActionType.UpdateMerge => ("MERGE", EntityUrl(), IfMatch(action.ETag), true),
                TableTransactionActionType.UpdateReplace => ("PUT", EntityUrl(), IfMatch(action.ETag), true),
                TableTransactionActionType.Delete => ("DELETE", EntityUrl(), IfMatch(action.ETag), false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown action type."),
            };
            Write(buffer, $"--{changesetBoundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            Write(buffer, $"{method} {url} HTTP/1.1\r\nAccept: {TableRestPipeline.JsonMinimalMetadata}\r\nDataServiceVersion: 3.0;\r\n");
            if (ifMatch is not null)
            {
                Write(buffer, $"If-Match: {ifMatch}\r\n");
            }
            if (hasBody)
            {
                Write(buffer, "Content-Type: application/json\r\nPrefer: return-no-content\r\n\r\n");
                json.Reset(buffer);
                TableEntityJson.WriteEntity(json, entity);
                json.Flush();
                Write(buffer, "\r\n");
            }
            else
            {
                Write(buffer, "\r\n\r\n");
            }

            string EntityUrl() => baseUrl + TableRestPipeline.EntityPath(tableName, entity.PartitionKey, entity.RowKey);
        }
        Write(buffer, $"--{changesetBoundary}--\r\n\r\n--{batchBoundary}--\r\n");

        if (buffer.WrittenCount > MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"The transaction payload is {buffer.WrittenCount} bytes; the service accepts at most {MaxPayloadBytes} (4 MiB).",
                "transactionActions");
        }
        contentType = $"multipart/mixed; boundary={batchBoundary}";
        return buffer.WrittenMemory;
    }

    private static string IfMatch(ETag etag) => etag == default ? "*" : etag.ToString();

    private static void Write(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>
    /// Splits a $batch response into one <see cref="Response"/> per inner HTTP response, in order.
    /// </summary>
    public static List<Response> ParseResponse(Response response)
    {
        if (!response.Headers.ContentType.TryGetBoundary(out var batchBoundary))
        {
            throw new InvalidOperationException($"The $batch response has Content-Type '{response.Headers.ContentType}', not multipart/mixed with a boundary.");
        }
        var body = response.Content.ToString();
        var results = new List<Response>();
        foreach (var batchPart in SplitParts(body, batchBoundary))
        {
            var (headers, content) = SplitHeaders(batchPart);
            if (headers.TryGetValue("Content-Type", out var partType) && partType.TryGetBoundary(out var changesetBoundary))
            {
                foreach (var changesetPart in SplitParts(content, changesetBoundary))
                {
                    results.Add(ParseHttpPart(changesetPart));
                }
            }
            else if (content.TrimStart().StartsWith("HTTP/", StringComparison.Ordinal))
            {
                results.Add(ParseHttpPart(batchPart));
            }
        }
        return results;
    }

    /// <summary>The zero-based action index in an error message's "N:" prefix, if any.</summary>
    public static int? FailedActionIndex(Response failed)
    {
        if (!TableErrorParser.Instance.TryParse(failed, out var error, out _) || error?.Message is null)
        {
            return null;
        }
        var match = FailedIndexPrefix().Match(error.Message);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    private static bool TryGetBoundary(this string? contentType, [NotNullWhen(true)] out string? boundary)
    {
        boundary = null;
        if (contentType is null || !contentType.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        foreach (var parameter in contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (parameter.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                boundary = parameter["boundary=".Length..].Trim('"');
                return boundary.Length > 0;
            }
        }
        return false;
    }

    /// <summary>The bodies between "--boundary" lines, up to "--boundary--". Tolerates LF or CRLF.</summary>
    private static IEnumerable<string> SplitParts(string body, string boundary)
    {
        var delimiter = "--" + boundary;
        var start = body.IndexOf(delimiter, StringComparison.Ordinal);
        while (start >= 0)
        {
            var afterDelimiter = start + delimiter.Length;
            if (string.CompareOrdinal(body, afterDelimiter, "--", 0, 2) == 0)
            {
                yield break;
            }
            var lineEnd = body.IndexOf('\n', afterDelimiter);
            if (lineEnd < 0)
            {
                yield break;
            }
            var next = body.IndexOf(delimiter, lineEnd + 1, StringComparison.Ordinal);
            var end = next < 0 ? body.Length : next;
            yield return TrimTrailingNewline(body[(lineEnd + 1)..end]);
            start = next;
        }
    }

    private static string TrimTrailingNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;

    /// <summary>MIME-style headers up to the first blank line, and what follows.</summary>
    private static (Dictionary<string, string> Headers, string Remainder) SplitHeaders(string text)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var position = 0;
        while (position < text.Length)
        {
            var lineEnd = text.IndexOf('\n', position);
            var line = (lineEnd < 0 ? text[position..] : text[position..lineEnd]).TrimEnd('\r');
            position = lineEnd < 0 ? text.Length : lineEnd + 1;
            if (line.Length == 0)
            {
                break;
            }
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
        return (headers, text[position..]);
    }

    /// <summary>A part holding "Content-Type: application/http" headers, then "HTTP/1.1 204 No Content", headers and a body.</summary>
    private static Response ParseHttpPart(string part)
    {
        var (_, http) = SplitHeaders(part);
        http = http.TrimStart('\r', '\n');
        var statusLineEnd = http.IndexOf('\n');
        var statusLine = (statusLineEnd < 0 ? http : http[..statusLineEnd]).TrimEnd('\r');
        var pieces = statusLine.Split(' ', 3);
        if (pieces.Length < 2 || !pieces[0].StartsWith("HTTP/", StringComparison.Ordinal) ||
            !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new InvalidOperationException($"A $batch response part does not start with an HTTP status line: '{statusLine}'.");
        }
        var (headers, content) = SplitHeaders(statusLineEnd < 0 ? string.Empty : http[(statusLineEnd + 1)..]);
        return new TableTransactionSubResponse(status, pieces.Length > 2 ? pieces[2] : string.Empty, headers, Encoding.UTF8.GetBytes(TrimTrailingNewline(content)));
    }
}

/// <summary>One inner response of a $batch.</summary>
internal sealed class TableTransactionSubResponse : Response
{
    private readonly Dictionary<string, string> _headers;

    public TableTransactionSubResponse(int status, string reasonPhrase, Dictionary<string, string> headers, byte[] content)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        _headers = headers;
        ContentStream = new MemoryStream(content, 0, content.Length, writable: false, publiclyVisible: true);
        ClientRequestId = headers.TryGetValue("x-ms-client-request-id", out var id) ? id : string.Empty;
    }

    public override int Status { get; }

    public override string ReasonPhrase { get; }

    /// <summary>An inner failure is an error even though the $batch itself answered 202.</summary>
    public override bool IsError => Status >= 400;

    public override Stream? ContentStream { get; set; }

    public override string ClientRequestId { get; set; }

    public override void Dispose() => ContentStream?.Dispose();

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = _headers.TryGetValue(name, out var value);
        values = found ? [value!] : null;
        return found;
    }

    protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));
}
