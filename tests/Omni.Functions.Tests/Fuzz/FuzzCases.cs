using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Omni.Functions.Tests.Fuzz;

/// <summary>One hostile request and what any correct answer to it looks like.</summary>
/// <param name="Label">What the case is, for the failure report (never the body itself: bodies can be megabytes).</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Url">The request path and query, already percent-encoded.</param>
/// <param name="Body">Makes a fresh body per send (HttpContent is single-use); null for none.</param>
/// <param name="Status">The exact status expected, or null for "any 4xx".</param>
/// <param name="MediaType">The media type of the error answer.</param>
/// <param name="Headers">Extra request headers.</param>
/// <param name="Kind">The generator's category (malformed, content-type, oversized, mutation, …).</param>
/// <param name="AnyOf">When set, the statuses allowed (instead of <paramref name="Status"/> or "any 4xx").</param>
public sealed record FuzzCase(string Label, HttpMethod Method, string Url, Func<HttpContent?> Body, int? Status, string MediaType,
    IReadOnlyList<KeyValuePair<string, string>>? Headers = null, string Kind = "", IReadOnlyList<int>? AnyOf = null)
{
    /// <summary>Whether <paramref name="status"/> is an acceptable answer.</summary>
    public bool Allows(int status) =>
        status is >= 400 and <= 499 && (AnyOf is { } set ? set.Contains(status) : Status is not { } expected || expected == status);

    public const string Problem = "application/problem+json";
}

/// <summary>
/// The generators: deterministic (one seeded <see cref="Random"/> per endpoint) and bounded. Every case is built so that
/// no correct server can accept it: a body that is malformed, of the wrong type or media type, too large or too deep, or
/// a route value no id can have. The expected answer is a 4xx (a specific one where HTTP names it: 405, 413, 415).
/// </summary>
public static class FuzzCases
{
    public const int Seed = 20261123;

    /// <summary>
    /// Ids no resource can have: separators, Table-forbidden characters, control characters, invalid UTF-8, length.
    /// <c>%00</c> is not among them: Kestrel (and TestServer, by throwing in the client) refuses a NUL in the path with a
    /// 400 before the app runs; NUL is sent in query values and bodies instead.
    /// </summary>
    public static readonly string[] BadRouteValues =
    [
        "a%2Fb", "%2F", "a%5Cb", "%5C", "a%23b", "%23", "a%3Fb", "%3F", "%01", "a%1Fb", "a%7Fb", "a%0D%0Ab", "%09",
        "%FF%FE", "a%C0%AFb", "%ED%A0%80", "%80", "%E2%80%AE", "a%20b", "%20", "%2E%2E", "'", "%22", "%3C%3E", "%25",
        new string('x', 1100), "%F0%9F%92%A9", "a%EF%BF%BEb",
    ];

    /// <summary>Malformed JSON: unterminated, wrong punctuation, JSON5-isms, empty.</summary>
    public static readonly string[] MalformedJson =
    [
        "", " ", "{", "}", "{\"a\":", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{'a':1}", "{a:1}", "{\"a\":1}}", "{\"a\":1}{\"b\":2}",
        "{/*c*/\"a\":1}", "{\"a\":undefined}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":01}", "{\"a\":.5}", "{\"a\":\"\\x41\"}",
        "{\"a\":\"\\u12\"}", "{\"a\":\"unterminated}", "nul", "tru", "\"", "[", "{\"a\":[1,2}", "\uFEFF", "\u0000", "{\"a\"\u0000:1}",
    ];

    /// <summary>Valid JSON whose root is not an object.</summary>
    public static readonly string[] NotAnObject = ["[]", "[{}]", "\"text\"", "123", "-1e400", "null", "true", "false"];

    /// <summary>Media types that are not JSON (and a missing one).</summary>
    public static readonly string?[] WrongMediaTypes =
    [
        null, "text/plain", "application/xml", "text/html", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/octet-stream", "application/jsonx", "json", "application/json-patch+json",
    ];

    /// <summary>Numbers no field takes: beyond double, beyond long, fractional, negative zero written oddly.</summary>
    public static readonly string[] OutOfRangeNumbers =
    [
        "1e400", "-1e400", "123456789012345678901234567890", "-123456789012345678901234567890", "1.5", "-0.0000000001", "9223372036854775808",
    ];

    /// <summary>The standard battery for an endpoint that reads a JSON object.</summary>
    /// <param name="freeForm">Fields whose contents are free-form JSON (template data): replaced whole, not mutated inside.</param>
    public static IEnumerable<FuzzCase> JsonBody(string name, HttpMethod method, string url, string validBody, int maxBytes,
        string mediaType = "application/json", IReadOnlyList<KeyValuePair<string, string>>? headers = null, string[]? freeForm = null)
    {
        var random = new Random(Seed + StableHash(name));
        FuzzCase Case(string kind, string label, Func<HttpContent?> body, int? status = null) =>
            new($"{name}: {label}", method, url, body, status, FuzzCase.Problem, headers, kind);
        HttpContent Text(string text) => Bytes(Encoding.UTF8.GetBytes(text), mediaType);

        foreach (var text in MalformedJson)
        {
            yield return Case("malformed", $"malformed {Show(text)}", () => Text(text));
        }
        foreach (var text in NotAnObject)
        {
            yield return Case("root", $"root {text}", () => Text(text));
        }

        // Truncated: every strict prefix of a compact object is invalid; eight seeded cut points plus the last byte.
        var cuts = Enumerable.Range(0, 8).Select(_ => random.Next(1, validBody.Length)).Append(validBody.Length - 1).Distinct();
        foreach (var cut in cuts)
        {
            yield return Case("truncated", $"truncated at {cut}/{validBody.Length}", () => Text(validBody[..cut]));
        }

        foreach (var type in WrongMediaTypes)
        {
            yield return Case("content-type", $"content type {type ?? "(none)"}", () => Bytes(Encoding.UTF8.GetBytes(validBody), type), 415);
        }

        // Over the cap: with a Content-Length (refused before reading) and chunked (refused while reading).
        yield return Case("oversized", $"oversized {maxBytes + 1} bytes", () => Bytes(Padded(validBody, maxBytes + 1), mediaType), 413);
        yield return Case("oversized", $"oversized {maxBytes + 1} bytes, chunked", () => new ChunkedContent(Padded(validBody, maxBytes + 1), mediaType), 413);
        yield return Case("oversized", $"oversized {4 * maxBytes} bytes, chunked", () => new ChunkedContent(Padded(validBody, 4 * maxBytes), mediaType), 413);

        foreach (var depth in new[] { 17, 64, 1000, 5000 })
        {
            var objects = new StringBuilder().Insert(0, "{\"a\":", depth).Append('1').Append('}', depth).ToString();
            var arrays = "{\"a\":" + new string('[', depth) + new string(']', depth) + "}";
            yield return Case("nesting", $"nested objects depth {depth}", () => Text(objects));
            yield return Case("nesting", $"nested arrays depth {depth}", () => Text(arrays));
        }

        // Invalid UTF-8 inside a string value of an otherwise valid body.
        var firstString = validBody.IndexOf(":\"", StringComparison.Ordinal) + 2;
        foreach (var bad in new byte[][] { [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82] })
        {
            yield return Case("utf8", $"invalid UTF-8 {Convert.ToHexString(bad)}", () =>
            {
                var prefix = Encoding.UTF8.GetBytes(validBody[..firstString]);
                var suffix = Encoding.UTF8.GetBytes(validBody[firstString..]);
                return Bytes([.. prefix, .. bad, .. suffix], mediaType);
            });
        }
        // Raw control characters inside a string are not JSON.
        foreach (var control in new[] { '\u0000', '\u0001', '\u0008', '\u001F', '\n' })
        {
            var text = validBody[..firstString] + control + validBody[firstString..];
            yield return Case("control", $"raw control U+{(int)control:X4} in a string", () => Text(text));
        }
        // A lone surrogate escape is valid JSON syntax but no valid text.
        yield return Case("surrogate", "lone surrogate escape", () => Text(validBody[..firstString] + "\\uD800" + validBody[firstString..]));

        // Property-based: every field (to depth 3) replaced by values of an incompatible type, numbers out of range,
        // and a huge array; plus an unknown field.
        var root = JsonNode.Parse(validBody)!.AsObject();
        foreach (var path in Paths(root, "", 3).Where(p => freeForm?.Any(f => p.StartsWith(f + ".", StringComparison.Ordinal)) != true))
        {
            var original = Get(root, path)!;
            foreach (var replacement in Incompatible(original).Concat(OutOfRangeNumbers))
            {
                var mutated = Replace(validBody, path, replacement);
                yield return Case("mutation", $"{path} = {Show(replacement)}", () => Text(mutated));
            }
            var count = Math.Max(1, (maxBytes - validBody.Length - 64) / 4);
            count = Math.Min(count, 50_000);
            var huge = "[" + string.Join(",", Enumerable.Repeat("[1]", count)) + "]";
            var hugeBody = Replace(validBody, path, huge);
            yield return Case("mutation", $"{path} = huge array of {count} arrays", () => Text(hugeBody));
        }
        yield return Case("unknown", "unknown field", () => Text(validBody[..^1] + ",\"fuzz\\u0000\":1}"));
        yield return Case("unknown", "duplicate unknown field names", () => Text(validBody[..^1] + ",\"zz\":1,\"zz\":2}"));
    }

    /// <summary>Route values no id can have, on one endpoint; the body (if any) is otherwise valid.</summary>
    public static IEnumerable<FuzzCase> RouteValues(string name, HttpMethod method, Func<string, string> url, string? validBody = null,
        string mediaType = "application/json", string errorMediaType = FuzzCase.Problem)
    {
        foreach (var value in BadRouteValues)
        {
            // A dot-segment is removed by the client (RFC 3986 §5.2.4): the request reaches another route or none, and
            // routing answers 404 or 405.
            var dotSegment = value == "%2E%2E";
            yield return new FuzzCase($"{name}: route value {Show(value)}", method, url(value),
                () => validBody is null ? null : Bytes(Encoding.UTF8.GetBytes(validBody), mediaType),
                null, dotSegment ? FuzzCase.Problem : errorMediaType, AnyOf: dotSegment ? [404, 405] : null);
        }
    }

    /// <summary>Query values that parse as nothing a parameter takes.</summary>
    public static IEnumerable<FuzzCase> QueryValues(string name, string path, string parameter, IEnumerable<string> values,
        string errorMediaType = FuzzCase.Problem)
    {
        foreach (var value in values)
        {
            yield return new FuzzCase($"{name}: ?{parameter}={Show(value)}", HttpMethod.Get, $"{path}?{parameter}={value}", () => null, 400, errorMediaType);
        }
    }

    internal static HttpContent Bytes(byte[] bytes, string? mediaType)
    {
        var content = new ByteArrayContent(bytes);
        if (mediaType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
        }
        return content;
    }

    private static byte[] Padded(string validBody, int size)
    {
        // A valid object with one long string in it, exactly `size` bytes.
        var head = validBody[..^1] + ",\"pad\":\"";
        var padding = Math.Max(0, size - Encoding.UTF8.GetByteCount(head) - 2);
        return Encoding.UTF8.GetBytes(head + new string('x', padding) + "\"}");
    }

    private static IEnumerable<string> Incompatible(JsonNode original) => original switch
    {
        JsonObject => ["\"x\"", "1", "[]", "true"],
        JsonArray => ["\"x\"", "1", "{}", "true"],
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => ["1", "[]", "{}", "true"],
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => ["\"x\"", "1", "[]", "{}"],
        _ => ["\"x\"", "[]", "{}", "true"],
    };

    private static IEnumerable<string> Paths(JsonObject node, string prefix, int depth)
    {
        foreach (var (key, value) in node)
        {
            var path = prefix.Length == 0 ? key : prefix + "." + key;
            yield return path;
            if (depth > 1 && value is JsonObject child)
            {
                foreach (var nested in Paths(child, path, depth - 1))
                {
                    yield return nested;
                }
            }
            if (depth > 1 && value is JsonArray { Count: > 0 } array && array[0] is JsonObject element)
            {
                foreach (var nested in Paths(element, path + ".0", depth - 1))
                {
                    yield return nested;
                }
            }
        }
    }

    private static JsonNode? Get(JsonNode node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonArray array ? array[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)]! : node[part]!;
        }
        return node;
    }

    private static string Replace(string validBody, string path, string replacementJson)
    {
        // Replaced textually through a placeholder: the replacement may be JSON that JsonNode will not hold (1e400).
        const string Marker = "\"__fuzz_marker__\"";
        var root = JsonNode.Parse(validBody)!;
        var parts = path.Split('.');
        var parent = parts.Length == 1 ? root : Get(root, string.Join('.', parts[..^1]))!;
        if (parent is JsonArray array)
        {
            array[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = "__fuzz_marker__";
        }
        else
        {
            parent[parts[^1]] = "__fuzz_marker__";
        }
        return root.ToJsonString().Replace(Marker, replacementJson, StringComparison.Ordinal);
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }
        return hash & 0x0fffffff;
    }

    internal static string Show(string value)
    {
        var shown = value.Length > 40 ? value[..40] + $"…({value.Length})" : value;
        var builder = new StringBuilder();
        foreach (var c in shown)
        {
            builder.Append(char.IsControl(c) || c == '\uFEFF' ? $"\\u{(int)c:X4}" : c.ToString());
        }
        return builder.ToString();
    }

    /// <summary>A body sent without Content-Length (Transfer-Encoding: chunked), so the size cap must hold while reading.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes, string mediaType)
        {
            _bytes = bytes;
            Headers.TryAddWithoutValidation("Content-Type", mediaType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 8192)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(8192, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
