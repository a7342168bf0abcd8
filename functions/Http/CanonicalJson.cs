using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Omni.Functions.Http;

/// <summary>
/// A fingerprint of a parsed request that ignores how it was written: the request is serialised again with its
/// source-generated metadata (fixed property order and names, no whitespace, absent = null), then written with object
/// keys sorted and numbers in their shortest decimal form, so free-form parts (template data) compare the same way.
/// Two bodies with the same fingerprint ask for the same thing (what Idempotency-Key replays compare, as Stripe does).
/// </summary>
public static class CanonicalJson
{
    /// <summary>Marks a canonical fingerprint; a stored fingerprint without it is the SHA-256 of the raw bytes (older rows).</summary>
    public const string FingerprintPrefix = "c1:";

    public static string Fingerprint<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, document.RootElement);
        }
        return FingerprintPrefix + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number when element.TryGetDecimal(out var number):
                // 20, 20.0 and 2e1 are one number; dividing by 1.000… drops the trailing zeros decimal keeps.
                writer.WriteRawValue((number / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            default:
                // Strings are re-escaped by the writer; literals and numbers beyond decimal keep their text.
                element.WriteTo(writer);
                break;
        }
    }
}
