using System.Globalization;
using System.Text.Json;

namespace Omni.Hosting;

/// <summary>
/// Reads <c>Metadata</c> values as the host writes them: strings JSON-quoted inside a string (<c>"\"abc\""</c>),
/// numbers as strings (<c>"1"</c>), date-times with seconds precision and sometimes no offset. Lenient by design:
/// a value in an unexpected shape is read as well as it can be, never thrown on.
/// </summary>
public static class HostMetadata
{
    public static string? GetString(JsonElement metadata, string name) =>
        TryGet(metadata, name, out var value) ? AsString(value) : null;

    public static long? GetInt64(JsonElement metadata, string name)
    {
        if (!TryGet(metadata, name, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }
        return long.TryParse(AsString(value), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    /// <summary>Reads the offset form (<paramref name="name"/>) or else the UTC form without a zone (<paramref name="utcName"/>).</summary>
    public static DateTimeOffset? GetDateTimeOffset(JsonElement metadata, string name, string utcName)
    {
        const DateTimeStyles utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (AsString(metadata, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, utc, out var value))
        {
            return value;
        }
        if (AsString(metadata, utcName) is { } utcText && DateTimeOffset.TryParse(utcText, CultureInfo.InvariantCulture, utc, out var utcValue))
        {
            return utcValue;
        }
        return null;
    }

    public static IReadOnlyDictionary<string, object?> GetProperties(JsonElement metadata, string name)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (TryGet(metadata, name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number when property.Value.TryGetInt64(out var l) => l,
                    JsonValueKind.Number => property.Value.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => property.Value.GetRawText(),
                };
            }
        }
        return result;
    }

    /// <summary>Removes one level of JSON string encoding when the text is a JSON string literal; otherwise returns it as is.</summary>
    public static string Unwrap(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return text;
        }
        try
        {
            return JsonSerializer.Deserialize(text, HostingJson.String) ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static string? AsString(JsonElement metadata, string name) =>
        TryGet(metadata, name, out var value) ? AsString(value) : null;

    private static string? AsString(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Unwrap(value.GetString()!),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static bool TryGet(JsonElement metadata, string name, out JsonElement value)
    {
        value = default;
        return metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(name, out value);
    }
}
