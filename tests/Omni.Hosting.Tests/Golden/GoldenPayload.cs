using System.Text.Json;
using System.Text.RegularExpressions;
using Omni.Hosting;

namespace Omni.Hosting.Tests.Golden;

/// <summary>
/// The checked-in host payloads (see Golden/README.md) and the comparison the encoder is held to: the same Metadata keys
/// at every level, and per key the same JSON kind and value format — not the same values, which include fresh Guids and
/// clocks. Linked into Omni.DevHost.Tests too, so the DevHost's delivery path is held to the same fixtures.
/// </summary>
public static partial class GoldenPayload
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    public static BindingDefinition Trigger(string name, string? dataType) => new()
    {
        Type = "serviceBusTrigger", Direction = "in", Name = name, QueueName = "outbound", Connection = "ServiceBusConnection",
        DataType = dataType,
    };

    /// <summary>The trigger binding and function each fixture was written for.</summary>
    public static FunctionDefinition Function(string fixture) => fixture switch
    {
        "string-double-encoded.json" => new("ProcessOrder", [Trigger("order", null)]),
        "binary-no-ttl.json" or "binary-metadata-formats.json" => new("Echo", [Trigger("message", "binary")]),
        _ => new("RouteMessage", [Trigger("message", "binary")]),
    };

    public static ServiceBusTriggerMessage Decode(string fixture) =>
        ServiceBusTriggerMessage.FromInvocationPayload(Read(fixture), Function(fixture).Trigger);

    /// <summary>Every Metadata key path (<c>Client.Identifier</c>, <c>ApplicationProperties.tenant</c>) with its value's shape.</summary>
    public static SortedDictionary<string, string> MetadataShapes(ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        var shapes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Collect(document.RootElement.GetProperty("Metadata"), "", shapes);
        return shapes;
    }

    /// <summary>A value's JSON kind, and for a string which of the host's formats it has.</summary>
    public static string Shape(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string:" + Format(value.GetString()!),
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static void Collect(JsonElement element, string prefix, SortedDictionary<string, string> shapes)
    {
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix + property.Name;
            shapes[path] = Shape(property.Value);
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Collect(property.Value, path + ".", shapes);
            }
        }
    }

    private static string Format(string text) => text switch
    {
        _ when QuotedJsonString().IsMatch(text) => "json-quoted",
        _ when Integer().IsMatch(text) => "integer",
        _ when SecondsNoZone().IsMatch(text) => "seconds-no-zone",
        _ when SecondsOffset().IsMatch(text) => "seconds-offset",
        _ when IsoUtc().IsMatch(text) => "iso-utc",
        _ when IsoOffset().IsMatch(text) => "iso-offset",
        _ when GuidText().IsMatch(text) => "guid",
        _ when EndsWithGuid().IsMatch(text) => "text-guid",
        _ when TimeSpanC().IsMatch(text) => "timespan",
        _ => "text",
    };

    // The host's strings inside strings: JsonConvert.SerializeObject(string) output.
    [GeneratedRegex("""^"([^"\\]|\\.)*"$""", RegexOptions.Singleline)]
    private static partial Regex QuotedJsonString();

    [GeneratedRegex(@"^-?\d+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")]
    private static partial Regex SecondsNoZone();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")]
    private static partial Regex SecondsOffset();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")]
    private static partial Regex IsoUtc();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?[+-]\d\d:\d\d$")]
    private static partial Regex IsoOffset();

    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex GuidText();

    [GeneratedRegex(@"^.+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex EndsWithGuid();

    [GeneratedRegex(@"^-?(\d+\.)?\d\d:\d\d:\d\d(\.\d{7})?$")]
    private static partial Regex TimeSpanC();
}
