using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.Hosting;

/// <summary>
/// The JSON envelope a handler returns for a payload-mode invocation. The host needs a 2xx status,
/// an <c>application/json</c> (or <c>text/json</c>) content type and a non-empty JSON object: an empty body leaves
/// the invocation hanging until functionTimeout, anything else fails it (and a Service Bus message is abandoned).
/// </summary>
public sealed class InvocationResult
{
    public const string ContentType = "application/json; charset=utf-8";

    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>Output binding values by binding name (case-sensitive, as in function.json).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Outputs { get; init; } = new Dictionary<string, JsonNode?>();

    public byte[] ToJson()
    {
        var outputs = new JsonObject();
        foreach (var (name, value) in Outputs)
        {
            outputs[name] = value?.DeepClone();
        }
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["Outputs"] = outputs,
            ["Logs"] = new JsonArray(Logs.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["ReturnValue"] = null,
        }, HostingJson.Object);
    }

    /// <summary>
    /// Applies the host's acceptance rules to a handler response (the DevHost uses this): null when the
    /// invocation succeeded, otherwise why it failed.
    /// </summary>
    public static string? CheckHostAcceptance(int statusCode, string? contentType, ReadOnlySpan<byte> body, out InvocationResult? result)
    {
        result = null;
        if (statusCode is < 200 or > 299)
        {
            return $"the handler answered {statusCode}";
        }
        var mediaType = contentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(mediaType, "text/json", StringComparison.OrdinalIgnoreCase))
        {
            return $"the handler answered content type '{contentType}', not application/json";
        }
        if (body.IsEmpty)
        {
            return "the handler answered an empty body (the host would wait until functionTimeout)";
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            return $"the handler answered invalid JSON: {e.Message}";
        }
        if (node is not JsonObject envelope)
        {
            return "the handler answered JSON that is not an object";
        }
        JsonNode? Get(string name) => envelope.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        result = new InvocationResult
        {
            Logs = (Get("Logs") as JsonArray)?.Select(l => l?.ToString() ?? "").ToArray() ?? [],
            Outputs = (Get("Outputs") as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.DeepClone()) ?? new Dictionary<string, JsonNode?>(),
        };
        return null;
    }
}
