using System.Globalization;
using System.Text.Json;

namespace Omni.Channels.Inbound;

/// <summary>Lenient reads from provider JSON: property names case-insensitive (the documented samples mix camelCase and PascalCase).</summary>
internal static class JsonReading
{
    /// <summary>Provider payloads as published sometimes carry a trailing comma; Event Grid and Meta never need comments or depth.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, MaxDepth = 32 };

    public static bool TryParse(ReadOnlyMemory<byte> body, out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }

    public static JsonElement? Property(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (element.TryGetProperty(name, out var exact))
        {
            return exact;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }
        return null;
    }

    /// <summary>A string (or a number, as its text); null for anything else or when absent.</summary>
    public static string? String(this JsonElement element, string name) => element.Property(name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };

    public static string? String(this JsonElement? element, string name) => element?.String(name);

    public static JsonElement? Object(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Object } o ? o : null;

    public static IEnumerable<JsonElement> Array(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    public static DateTimeOffset? Time(this JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.String(name) is { } text &&
                DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return time;
            }
        }
        return null;
    }

    /// <summary>Unix seconds, as a string or a number.</summary>
    public static DateTimeOffset? UnixSeconds(string? text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 253402300800
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>Unix milliseconds.</summary>
    public static DateTimeOffset? UnixMilliseconds(string? text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and < 253402300800000
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
}
