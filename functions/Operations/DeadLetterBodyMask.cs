using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.Core.Contacts;

namespace Omni.Functions.Operations;

/// <summary>
/// What the dead-letter API shows of a body. Bodies of Omni's queues carry phone numbers, email addresses and message
/// texts, so a JSON body is shown with its structure and only the values that cannot be personal: Omni's ids (keys in
/// <see cref="ClearKeys"/>, except that one which looks like an e-mail or a phone number is shown as
/// <see cref="ContactIds.Redact"/> gives it), strings of at most 4 characters (channel names, languages, statuses), booleans, nulls
/// and numbers of at most 6 digits. Every other string becomes <c>"***(n)"</c> (n = its length) and every longer
/// number <c>"***(digits)"</c>. The structure is kept (rather than only the top-level keys) because an operator
/// needs the ids to find the message (<c>GET /api/messages/{id}</c>) and the shape to see what was wrong with it.
/// A body that is not JSON is not shown at all (null): only its size is.
/// </summary>
public static class DeadLetterBodyMask
{
    /// <summary>Bodies larger than this are not parsed (null).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Keys whose values are Omni or provider ids, shown in clear (case-insensitive).</summary>
    public static readonly IReadOnlySet<string> ClearKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "id", "messageId", "contactId", "eventId", "step", "correlationId", "providerMessageId", "templateId", "requestId",
        "idempotencyKey", "type", "eventType", "channel", "status", "kind", "attempt",
    };

    /// <summary>The masked JSON, or null when the body is empty, too large or not JSON.</summary>
    public static JsonNode? Mask(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body.Length > MaxBytes)
        {
            return null;
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
        return node is null ? null : MaskNode(node, key: null);
    }

    private static JsonNode? MaskNode(JsonNode? node, string? key)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var maskedObject = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    maskedObject[name] = MaskNode(value, name);
                }
                return maskedObject;
            case JsonArray array:
                var maskedArray = new JsonArray();
                foreach (var item in array)
                {
                    // Array items inherit their array's key: "messageIds": [...] stays clear only if the key is an id key.
                    maskedArray.Add(MaskNode(item, key));
                }
                return maskedArray;
            case JsonValue value:
                var clear = key is not null && ClearKeys.Contains(key);
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        var text = value.GetValue<string>();
                        // An id key can still hold an e-mail or a phone number (an app's contact id): shown redacted.
                        return clear ? JsonValue.Create(ContactIds.Redact(text))
                            : text.Length <= 4 ? JsonValue.Create(text) : JsonValue.Create($"***({text.Length})");
                    case JsonValueKind.Number:
                        var raw = value.ToJsonString();
                        var digits = raw.Count(char.IsAsciiDigit);
                        return clear || digits <= 6 ? JsonNode.Parse(raw) : JsonValue.Create($"***({digits} digits)");
                    default:
                        return JsonNode.Parse(value.ToJsonString());
                }
            default:
                return null;
        }
    }
}
