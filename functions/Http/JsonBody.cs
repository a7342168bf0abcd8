using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Omni.Functions.Http;

/// <summary>
/// Reads a JSON request body the strict way: JSON media type only (415), a size cap (413), well-formed JSON with
/// no unknown fields (400 saying where and what). Every failure is an <c>application/problem+json</c> answer.
/// </summary>
/// <remarks><c>expected</c> names what the endpoint reads, for the answers to an empty or non-object body.</remarks>
public static class JsonBody
{
    public const int DefaultMaxBytes = 64 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 16,
        // Source-generated metadata only (ApiJsonContext, CoreJsonContext): a type missing there throws, never reflects.
        TypeInfoResolver = ApiJson.Resolver,
    };

    public sealed record Result<T>(T? Value, IResult? Problem) where T : class;

    public static async Task<Result<JsonNode>> ReadNodeAsync(HttpRequest request, string[] mediaTypes, int maxBytes, string expected, CancellationToken cancellationToken)
    {
        var (bytes, problem) = await ReadBytesAsync(request, mediaTypes, maxBytes, cancellationToken);
        if ((problem ?? SyntaxProblem(bytes, expected)) is { } invalid)
        {
            return new Result<JsonNode>(null, invalid);
        }
        try
        {
            // Duplicate names would make the object throw (not a JsonException) when first read.
            var node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = Options.MaxDepth, AllowDuplicateProperties = false });
            return node is JsonObject
                ? new Result<JsonNode>(node, null)
                : new Result<JsonNode>(null, NotAnObject(node, expected));
        }
        catch (JsonException e)
        {
            return new Result<JsonNode>(null, Problems.BadRequest($"The body is not valid JSON: {Describe(e)}"));
        }
    }

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, int maxBytes, string expected, CancellationToken cancellationToken) where T : class
    {
        var (bytes, problem) = await ReadBytesAsync(request, ["application/json"], maxBytes, cancellationToken);
        return problem is not null ? new Result<T>(null, problem) : Deserialize<T>(bytes, expected);
    }

    public static Result<T> Deserialize<T>(ReadOnlySpan<byte> json, string expected) where T : class
    {
        if (SyntaxProblem(json, expected) is { } invalid)
        {
            return new Result<T>(null, invalid);
        }
        var typeInfo = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
        try
        {
            var value = JsonSerializer.Deserialize(json, typeInfo);
            return value is null
                ? new Result<T>(null, Problems.BadRequest($"The body is null; send {expected}."))
                : new Result<T>(value, null);
        }
        catch (JsonException e)
        {
            return new Result<T>(null, Problems.BadRequest($"The body is not {expected}: {JsonErrors.Shape(e, typeInfo)}."));
        }
    }

    /// <summary>An empty body, malformed JSON (where and what) or a root that is not an object; null when none.</summary>
    private static IResult? SyntaxProblem(ReadOnlySpan<byte> json, string expected)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Problems.BadRequest($"The body is empty; send {expected}.");
        }
        if (JsonErrors.Syntax(json, Options.MaxDepth) is { } error)
        {
            return Problems.BadRequest($"The body is not valid JSON at {error}");
        }
        var first = json.TrimStart(" \t\r\n"u8)[0];
        return first == '{' ? null : Problems.BadRequest($"The body must be a JSON object ({expected}), not {(first == '[' ? "an array" : "a single value")}.");
    }

    private static IResult NotAnObject(JsonNode? node, string expected) =>
        Problems.BadRequest($"The body must be a JSON object ({expected}), not {(node is JsonArray ? "an array" : "a single value")}.");

    /// <summary>The raw body: JSON media type (415), size cap (413); no parsing.</summary>
    public static async Task<(byte[] Bytes, IResult? Problem)> ReadBytesAsync(HttpRequest request, string[] mediaTypes, int maxBytes, CancellationToken cancellationToken)
    {
        // An empty body has no media type worth refusing (a proxy may even drop its Content-Type): the parser answers
        // "the body is empty" (400), which says what to send, instead of a misleading 415.
        if (request.ContentLength == 0)
        {
            return ([], null);
        }
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is null || !mediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return ([], Problems.UnsupportedMediaType(Problems.SendAs(mediaTypes, request.ContentType)));
        }
        if (request.ContentLength > maxBytes)
        {
            return ([], Problems.TooLarge(maxBytes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return ([], Problems.TooLarge(maxBytes));
            }
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        return HasValidText(bytes)
            ? (bytes, null)
            : ([], Problems.BadRequest("The body is not valid UTF-8 text (or has an escaped lone surrogate): send UTF-8 JSON, escaping only whole surrogate pairs (\\uD83D\\uDE00)."));
    }

    /// <summary>
    /// False when a string or property name of the JSON is not valid text: invalid UTF-8 bytes or an escaped lone
    /// surrogate (<c>"\uD800"</c>). The parsers check the structure but not the text inside strings, and reading such a
    /// string later (a JsonElement, a JsonNode) throws. Malformed JSON counts as valid here: the parser reports it.
    /// </summary>
    public static bool HasValidText(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        return true;
    }

    // The message of a JsonException can quote the input; keep to the path and position.
    public static string Describe(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"problem at {path} (line {e.LineNumber + 1})." : $"problem at line {e.LineNumber + 1}, byte {e.BytePositionInLine}.";
}
