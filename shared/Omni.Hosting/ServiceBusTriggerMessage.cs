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

    public DateTimeOffset? EnqueuedTime { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Application (custom) properties: string, long, double, bool or null values.</summary>
    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; } = new Dictionary<string, object?>();

    public string BodyAsString() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>Writes the invocation request body the host sends for this message.</summary>
    public byte[] ToInvocationPayload(FunctionDefinition function, DateTimeOffset utcNow)
    {
        var trigger = function.Trigger;
        var data = new JsonObject();
        var metadata = new JsonObject
        {
            // Object-typed binding data the host serialises; nothing useful for a custom handler.
            ["MessageReceiver"] = new JsonObject(),
            ["MessageSession"] = new JsonObject(),
            ["MessageActions"] = new JsonObject(),
            ["SessionActions"] = new JsonObject(),
            ["ReceiveActions"] = new JsonObject(),
            ["Client"] = new JsonObject { ["FullyQualifiedNamespace"] = "127.0.0.1", ["IsClosed"] = false, ["TransportType"] = 0 },
        };

        if (trigger.IsBinary)
        {
            data[trigger.Name] = Convert.ToBase64String(Body.Span);
        }
        else
        {
            var text = Encoding.UTF8.GetString(Body.Span);
            data[trigger.Name] = JsonSerializer.Serialize(text, HostJson);
        }

        metadata["DeliveryCount"] = DeliveryCount.ToString(CultureInfo.InvariantCulture);
        SetQuoted(metadata, "LockToken", LockToken);
        if (ExpiresAt is { } expires)
        {
            metadata["ExpiresAtUtc"] = FormatUtc(expires);
            metadata["ExpiresAt"] = FormatOffset(expires);
        }
        if (EnqueuedTime is { } enqueued)
        {
            metadata["EnqueuedTimeUtc"] = FormatUtc(enqueued);
            metadata["EnqueuedTime"] = FormatOffset(enqueued);
        }
        SetQuoted(metadata, "MessageId", MessageId);
        SetQuoted(metadata, "ContentType", ContentType);
        SetQuoted(metadata, "ReplyTo", ReplyTo);
        metadata["SequenceNumber"] = SequenceNumber.ToString(CultureInfo.InvariantCulture);
        SetQuoted(metadata, "To", To);
        SetQuoted(metadata, "Subject", Subject);
        SetQuoted(metadata, "Label", Subject);
        SetQuoted(metadata, "CorrelationId", CorrelationId);
        SetQuoted(metadata, "SessionId", SessionId);
        var properties = new JsonObject();
        foreach (var (key, value) in ApplicationProperties)
        {
            properties[key] = ToJsonValue(value);
        }
        metadata["ApplicationProperties"] = properties;
        metadata["UserProperties"] = properties.DeepClone();
        metadata["sys"] = new JsonObject
        {
            ["MethodName"] = function.Name,
            ["UtcNow"] = utcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["RandGuid"] = Guid.NewGuid().ToString(),
        };

        if (!trigger.IsBinary)
        {
            // For string input the host then merges the body's top-level JSON properties into the binding data,
            // overwriting same-named keys; reproduce that, so handlers are tested against the real pollution.
            MergeBodyProperties(Encoding.UTF8.GetString(Body.Span), metadata);
        }

        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["Data"] = data, ["Metadata"] = metadata }, HostJson);
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

    private static void MergeBodyProperties(string text, JsonObject metadata)
    {
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(text);
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
            var existing = metadata.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Key;
            if (existing is not null)
            {
                metadata.Remove(existing);
            }
            metadata[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? JsonSerializer.Serialize(v.GetValue<string>(), HostJson)
                : JsonSerializer.Serialize(value?.ToJsonString(HostJson) ?? "null", HostJson);
        }
    }

    // Typed values, not JsonValue.Create(object): that one serialises through the reflection resolver.
    private static JsonValue? ToJsonValue(object? value) => value switch
    {
        null => null,
        string v => JsonValue.Create(v),
        bool v => JsonValue.Create(v),
        long v => JsonValue.Create(v),
        int v => JsonValue.Create(v),
        short v => JsonValue.Create(v),
        byte v => JsonValue.Create(v),
        double v => JsonValue.Create(v),
        float v => JsonValue.Create(v),
        decimal v => JsonValue.Create(v),
        DateTimeOffset v => JsonValue.Create(v),
        DateTime v => JsonValue.Create(v),
        Guid v => JsonValue.Create(v),
        TimeSpan v => JsonValue.Create(v.ToString("c", CultureInfo.InvariantCulture)),
        Uri v => JsonValue.Create(v.OriginalString),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)), // not a Service Bus property type
    };

    private static void SetQuoted(JsonObject metadata, string key, string? value)
    {
        if (value is not null)
        {
            metadata[key] = JsonSerializer.Serialize(value, HostJson);
        }
    }

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
