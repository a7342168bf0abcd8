using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure.Core;

namespace Omni.Azure.Core;

/// <summary>Builds request bodies with <see cref="Utf8JsonWriter"/> and reads response bodies leniently.</summary>
internal static class JsonContent
{
    // Bodies go to services, not into HTML, so keep them compact: only what JSON requires is escaped.
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes with <paramref name="write"/> and returns the exact bytes that will be sent.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sets <paramref name="body"/> as the request's JSON content.</summary>
    public static void SetJsonContent(this Request request, byte[] body, string contentType = "application/json")
    {
        request.Headers.SetValue("Content-Type", contentType);
        request.Content = RequestContent.Create(body);
    }

    /// <summary>A property looked up first exactly, then case-insensitively (services are not always consistent).</summary>
    public static bool TryGetPropertyIgnoreCase(this JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            value = default;
            return false;
        }

        if (element.TryGetProperty(name, out value))
        {
            return true;
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The string value of a property, or null when absent or JSON null.</summary>
    public static string? GetStringOrNull(this JsonElement element, string name) =>
        element.TryGetPropertyIgnoreCase(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
