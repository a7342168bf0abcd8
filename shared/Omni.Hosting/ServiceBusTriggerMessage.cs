using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.Hosting;

/// <summary>
/// A Service Bus message as a serviceBusTrigger function receives it. <see cref="ToInvocationPayload"/> writes the
/// <c>{"Data","Metadata"}</c> body the Functions host posts to <c>/{FunctionName}</c>; <see cref="FromInvocationPayload"/>
/// reads it back. Encodings follow the host's source (see docs/host-contract.md): the body is base64 of the exact bytes
/// with <c>"dataType": "binary"</c> and a JSON string encoded twice otherwise; metadata strings are JSON-quoted inside a
/// string, numbers are strings, date-times have seconds precision.
/// </summary>
public sealed record ServiceBusTriggerMessage
{
    // The host serialises with Newtonsoft, which escapes only quotes, backslashes and control characters.
    private static JsonSerializerOptions HostJson => HostingJson.HostOptions;

    // The DevHost's stand-in for the Service Bus namespace in Metadata.Client.
    private const string EmulatedNamespace = "127.0.0.1";

    public required ReadOnlyMemory<byte> Body { get; init; }

    public string? MessageId { get; init; }

    public int DeliveryCount { get; init; } = 1;

    public long SequenceNumber { get; init; }

    public string? CorrelationId { get; init; }

    public string? SessionId { get; init; }

    public string? Subject { get; init; }

    public string? ContentType { get; init; }

    public string? ReplyTo { get; init; }

    public string? To { get; init; }

    public string? LockToken { get; init; }

    /// <summary>When Service Bus accepted the message; encoding a message without one writes the delivery time.</summary>
    public DateTimeOffset? EnqueuedTime { get; init; }

    /// <summary>
    /// When the message expires. The host always sends it: without a finite time-to-live it is
    /// <see cref="NeverExpires"/>, and encoding a message with null writes that.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// ExpiresAt of a message without a finite time-to-live as the host sends it: the SDK's DateTimeOffset.MaxValue
    /// at seconds precision.
    /// </summary>
    public static DateTimeOffset NeverExpires { get; } = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    /// <summary>
    /// Application (custom) properties. Encoding takes any Service Bus property type; decoding gives string, long, double,
    /// bool or null values, since the host sends date-times, Guids and bytes as JSON strings.
    /// </summary>
    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; } = new Dictionary<string, object?>();

    public string BodyAsString() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>Writes the invocation request body the host sends for this message.</summary>
    public byte[] ToInvocationPayload(FunctionDefinition function, DateTimeOffset utcNow)
    {
        var trigger = function.Trigger;
        var data = new JsonObject
        {
            [trigger.Name] = trigger.IsBinary
                ? Convert.ToBase64String(Body.Span)
                : JsonSerializer.Serialize(Encoding.UTF8.GetString(Body.Span), HostingJson.HostString),
        };
        var metadata = BindingData(function, utcNow);
        if (!trigger.IsBinary)
        {
            // For string input the host then merges the body's top-level JSON properties into the binding data;
            // reproduce that, so handlers are tested against the real pollution.
            MergeBodyProperties(Encoding.UTF8.GetString(Body.Span), metadata);
        }
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Data"] = data, ["Metadata"] = metadata }, HostingJson.HostObject);
    }

    /// <summary>
    /// The Service Bus extension's binding data in its order, as the host writes each value: null values are left out,
    /// strings are JSON-quoted again, numbers become strings, date-times lose their fraction, objects stay objects.
    /// </summary>
    private JsonObject BindingData(FunctionDefinition function, DateTimeOffset utcNow)
    {
        // ExpiresAt is a DateTimeOffset in the SDK, so it is always there: DateTimeOffset.MaxValue without a finite TTL.
        var expires = ExpiresAt ?? DateTimeOffset.MaxValue;
        var enqueued = EnqueuedTime ?? utcNow;
        var metadata = new JsonObject
        {
            // Object-typed binding data the host serialises; nothing useful for a custom handler.
            ["MessageReceiver"] = new JsonObject(),
            ["MessageSession"] = new JsonObject(),
            ["MessageActions"] = new JsonObject(),
            ["SessionActions"] = new JsonObject(),
            ["ReceiveActions"] = new JsonObject(),
            ["Client"] = new JsonObject
            {
                ["FullyQualifiedNamespace"] = EmulatedNamespace,
                ["IsClosed"] = false,
                ["TransportType"] = 0,
                // The SDK's default client identifier: "{namespace}-{guid}".
                ["Identifier"] = $"{EmulatedNamespace}-{Guid.NewGuid()}",
            },
            ["DeliveryCount"] = DeliveryCount.ToString(CultureInfo.InvariantCulture),
        };
        SetQuoted(metadata, "LockToken", LockToken);
        metadata["ExpiresAtUtc"] = FormatUtc(expires);
        metadata["ExpiresAt"] = FormatOffset(expires);
        metadata["EnqueuedTimeUtc"] = FormatUtc(enqueued);
        metadata["EnqueuedTime"] = FormatOffset(enqueued);
        SetQuoted(metadata, "MessageId", MessageId);
        SetQuoted(metadata, "ContentType", ContentType);
        SetQuoted(metadata, "ReplyTo", ReplyTo);
        metadata["SequenceNumber"] = SequenceNumber.ToString(CultureInfo.InvariantCulture);
        SetQuoted(metadata, "To", To);
        SetQuoted(metadata, "Subject", Subject);
        SetQuoted(metadata, "Label", Subject);
        SetQuoted(metadata, "CorrelationId", CorrelationId);
        var properties = new JsonObject();
        foreach (var (key, value) in ApplicationProperties)
        {
            properties[key] = ToJsonValue(value);
        }
        metadata["ApplicationProperties"] = properties;
        metadata["UserProperties"] = properties.DeepClone();
        SetQuoted(metadata, "SessionId", SessionId);
        metadata["sys"] = new JsonObject
        {
            ["MethodName"] = function.Name,
            // A DateTime inside an object: Newtonsoft's ISO format, fraction trimmed of trailing zeros.
            ["UtcNow"] = utcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture),
            ["RandGuid"] = Guid.NewGuid().ToString(),
        };
        return metadata;
    }

    /// <summary>Reads an invocation request body the host sent for a serviceBusTrigger binding.</summary>
    /// <exception cref="InvalidInvocationException">The body is not a host invocation for that binding.</exception>
    public static ServiceBusTriggerMessage FromInvocationPayload(ReadOnlySpan<byte> payload, BindingDefinition trigger)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidInvocationException($"The invocation body is not JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !TryGetProperty(root, "Data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInvocationException("The invocation body has no 'Data' object.");
            }
            if (!TryGetProperty(data, trigger.Name, out var value))
            {
                throw new InvalidInvocationException($"The invocation 'Data' has no '{trigger.Name}' binding.");
            }
            var metadata = TryGetProperty(root, "Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            return new ServiceBusTriggerMessage
            {
                Body = ReadBody(value, trigger),
                MessageId = HostMetadata.GetString(metadata, "MessageId"),
                DeliveryCount = (int)(HostMetadata.GetInt64(metadata, "DeliveryCount") ?? 1),
                SequenceNumber = HostMetadata.GetInt64(metadata, "SequenceNumber") ?? 0,
                CorrelationId = HostMetadata.GetString(metadata, "CorrelationId"),
                SessionId = HostMetadata.GetString(metadata, "SessionId"),
                Subject = HostMetadata.GetString(metadata, "Subject") ?? HostMetadata.GetString(metadata, "Label"),
                ContentType = HostMetadata.GetString(metadata, "ContentType"),
                ReplyTo = HostMetadata.GetString(metadata, "ReplyTo"),
                To = HostMetadata.GetString(metadata, "To"),
                LockToken = HostMetadata.GetString(metadata, "LockToken"),
                EnqueuedTime = HostMetadata.GetDateTimeOffset(metadata, "EnqueuedTime", "EnqueuedTimeUtc"),
                ExpiresAt = HostMetadata.GetDateTimeOffset(metadata, "ExpiresAt", "ExpiresAtUtc"),
                ApplicationProperties = HostMetadata.GetProperties(metadata, "ApplicationProperties"),
            };
        }
    }

    private static ReadOnlyMemory<byte> ReadBody(JsonElement value, BindingDefinition trigger)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            // Not a shape the host produces for a single message, but keep the bytes rather than lose the message.
            return Encoding.UTF8.GetBytes(value.GetRawText());
        }
        var text = value.GetString()!;
        if (trigger.IsBinary)
        {
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw new InvalidInvocationException($"Binding '{trigger.Name}' has dataType binary but its value is not base64.");
            }
        }
        return Encoding.UTF8.GetBytes(HostMetadata.Unwrap(text));
    }

    /// <summary>
    /// The host's <c>Utility.ApplyBindingData</c>: a body that looks like a JSON object adds its top-level properties to the
    /// case-insensitive binding data (<c>bindingData[key] = value</c>, so a same-named key keeps its name and place and
    /// takes the body's value); arrays and nulls are skipped, objects stay objects, anything else becomes its string form
    /// (<c>true</c> → <c>"True"</c>), which the host then JSON-quotes like every string.
    /// </summary>
    private static void MergeBodyProperties(string text, JsonObject metadata)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith('{') || !trimmed.EndsWith('}'))
        {
            return;
        }
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(trimmed);
        }
        catch (JsonException)
        {
            return;
        }
        if (body is not JsonObject properties)
        {
            return;
        }
        foreach (var (key, value) in properties)
        {
            JsonNode? encoded = value switch
            {
                null or JsonArray => null,
                JsonObject o => o.DeepClone(),
                JsonValue v => v.GetValueKind() switch
                {
                    JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>(), HostingJson.HostString),
                    JsonValueKind.True => "\"True\"",
                    JsonValueKind.False => "\"False\"",
                    JsonValueKind.Number => JsonSerializer.Serialize(NumberText(v), HostingJson.HostString),
                    _ => null,
                },
                _ => null,
            };
            // The host leaves out of Metadata any key ending in "trigger" (it is the trigger's own value).
            if (encoded is null || key.EndsWith("trigger", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var existing = metadata.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Key;
            metadata[existing ?? key] = encoded;
        }
    }

    // Newtonsoft reads integers as Int64 and other numbers as Double, and prints them invariantly.
    private static string NumberText(JsonValue number) =>
        number.TryGetValue<long>(out var integer) ? integer.ToString(CultureInfo.InvariantCulture)
        : number.GetValue<double>().ToString(CultureInfo.InvariantCulture);

    // Typed values, not JsonValue.Create(object): that one serialises through the reflection resolver. The types are the
    // ones Service Bus application properties can hold; the JSON forms are Newtonsoft's (the host's): date-times in ISO
    // 8601 with the fraction trimmed, Guids as "D", bytes as base64, TimeSpans as "c", Uris as written.
    private static JsonValue? ToJsonValue(object? value) => value switch
    {
        null => null,
        string v => JsonValue.Create(v),
        bool v => JsonValue.Create(v),
        long v => JsonValue.Create(v),
        ulong v => JsonValue.Create(v),
        int v => JsonValue.Create(v),
        uint v => JsonValue.Create(v),
        short v => JsonValue.Create(v),
        ushort v => JsonValue.Create(v),
        byte v => JsonValue.Create(v),
        sbyte v => JsonValue.Create(v),
        char v => JsonValue.Create(v.ToString()),
        double v => JsonValue.Create(v),
        float v => JsonValue.Create(v),
        decimal v => JsonValue.Create(v),
        DateTimeOffset v => JsonValue.Create(v.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture)),
        DateTime v => JsonValue.Create(v.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture)),
        Guid v => JsonValue.Create(v.ToString("D")),
        byte[] v => JsonValue.Create(Convert.ToBase64String(v)),
        TimeSpan v => JsonValue.Create(v.ToString("c", CultureInfo.InvariantCulture)),
        Uri v => JsonValue.Create(v.OriginalString),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)), // not a Service Bus property type
    };

    private static void SetQuoted(JsonObject metadata, string key, string? value)
    {
        if (value is not null)
        {
            metadata[key] = JsonSerializer.Serialize(value, HostingJson.HostString);
        }
    }

    // Top-level date-times go through DateTime.Parse(value.ToString()) in the host: the fraction is lost, and the
    // Utc forms (DateTimeOffset.DateTime, Kind Unspecified) are written without a zone.
    private static string FormatUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static string FormatOffset(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        // The host's top-level names are PascalCase, but read them like the host reads ours: case-insensitively.
        foreach (var property in element.EnumerateObject())
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
}

/// <summary>The request is not an invocation the host could have sent.</summary>
public sealed class InvalidInvocationException(string message) : Exception(message);
