using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// How a <see cref="ServiceBusMessage"/> travels over the REST send API
/// (https://learn.microsoft.com/rest/api/servicebus/send-message-to-queue and .../send-message-batch).
/// </summary>
internal static class ServiceBusWireFormat
{
    public const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    // Headers the client sets itself or that HTTP reserves; an application property must not replace them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "BrokerProperties", "Content-Type", "Content-Length", "Content-Encoding", "Host",
        "Connection", "Transfer-Encoding", "Expect", "Upgrade", "TE", "Trailer", "Keep-Alive", "Proxy-Connection",
        "User-Agent", "Accept", "Date", "traceparent", "tracestate", "Request-Id",
    };

    /// <summary>The <c>BrokerProperties</c> header value for a single send, or null when there is nothing to say.</summary>
    public static string? GetBrokerPropertiesHeader(ServiceBusMessage message)
    {
        if (!HasBrokerProperties(message, includeContentType: false))
        {
            return null;
        }

        byte[] json = JsonContent.Write(writer => WriteBrokerProperties(writer, message, includeContentType: false));
        return Encoding.UTF8.GetString(json);
    }

    /// <summary>One header per application property: strings (and other text-like values) quoted, numbers and booleans bare.</summary>
    public static List<KeyValuePair<string, string>> GetPropertyHeaders(ServiceBusMessage message)
    {
        var headers = new List<KeyValuePair<string, string>>(message.ApplicationProperties.Count);
        foreach ((string name, object? value) in message.ApplicationProperties)
        {
            if (!IsHttpToken(name) || ReservedHeaders.Contains(name) || name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"The application property '{name}' cannot be sent as an HTTP header; rename it (letters, digits, '-' and '_', not a reserved header).",
                    nameof(message));
            }

            if (value is null)
            {
                continue;
            }

            headers.Add(new KeyValuePair<string, string>(name, FormatHeaderValue(name, value)));
        }

        return headers;
    }

    /// <summary>One element of a batch body: <c>{"Body":...,"BrokerProperties":{...},"UserProperties":{...}}</c>.</summary>
    public static byte[] SerializeBatchItem(ServiceBusMessage message) => JsonContent.Write(writer =>
    {
        writer.WriteStartObject();
        ReadOnlySpan<byte> body = message.Body.ToMemory().Span;
        if (Utf8.IsValid(body))
        {
            writer.WriteString("Body", Encoding.UTF8.GetString(body));
        }
        else
        {
            // The batch format carries bodies as strings; arbitrary bytes go as base64 and say so.
            writer.WriteBase64String("Body", body);
            writer.WriteBoolean("IsBodyBase64", true);
        }

        if (HasBrokerProperties(message, includeContentType: true))
        {
            writer.WritePropertyName("BrokerProperties");
            WriteBrokerProperties(writer, message, includeContentType: true);
        }

        bool startedUserProperties = false;
        foreach ((string name, object? value) in message.ApplicationProperties)
        {
            if (value is null)
            {
                continue;
            }

            if (!startedUserProperties)
            {
                writer.WriteStartObject("UserProperties");
                startedUserProperties = true;
            }

            writer.WritePropertyName(name);
            WriteJsonValue(writer, name, value);
        }

        if (startedUserProperties)
        {
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    });

    private static bool HasBrokerProperties(ServiceBusMessage message, bool includeContentType) =>
        message.MessageId is not null || message.CorrelationId is not null || message.SessionId is not null ||
        message.Subject is not null || message.PartitionKey is not null || message.ReplyTo is not null ||
        message.ReplyToSessionId is not null || message.To is not null ||
        message.TimeToLive != TimeSpan.MaxValue || message.ScheduledEnqueueTime != default ||
        (includeContentType && message.ContentType is not null);

    private static void WriteBrokerProperties(Utf8JsonWriter writer, ServiceBusMessage message, bool includeContentType)
    {
        if (message.SessionId is not null && message.PartitionKey is not null &&
            !string.Equals(message.SessionId, message.PartitionKey, StringComparison.Ordinal))
        {
            throw new ArgumentException("PartitionKey must equal SessionId when both are set.", nameof(message));
        }

        writer.WriteStartObject();
        WriteIfSet(writer, "MessageId", message.MessageId);
        WriteIfSet(writer, "CorrelationId", message.CorrelationId);
        WriteIfSet(writer, "SessionId", message.SessionId);
        WriteIfSet(writer, "Label", message.Subject);
        WriteIfSet(writer, "PartitionKey", message.PartitionKey);
        WriteIfSet(writer, "ReplyTo", message.ReplyTo);
        WriteIfSet(writer, "ReplyToSessionId", message.ReplyToSessionId);
        WriteIfSet(writer, "To", message.To);
        if (message.TimeToLive != TimeSpan.MaxValue)
        {
            writer.WriteNumber("TimeToLive", message.TimeToLive.TotalSeconds);
        }

        if (message.ScheduledEnqueueTime != default)
        {
            writer.WriteString("ScheduledEnqueueTimeUtc", HttpDate.Format(message.ScheduledEnqueueTime));
        }

        if (includeContentType)
        {
            WriteIfSet(writer, "ContentType", message.ContentType);
        }

        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string FormatHeaderValue(string name, object value) => value switch
    {
        bool b => b ? "true" : "false",
        sbyte or byte or short or ushort or int or uint or long or ulong or decimal =>
            Convert.ToString(value, CultureInfo.InvariantCulture)!,
        float f when float.IsFinite(f) => f.ToString("R", CultureInfo.InvariantCulture),
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Quote(FormatAsText(name, value)),
    };

    private static void WriteJsonValue(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case bool b: writer.WriteBooleanValue(b); break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong ul: writer.WriteNumberValue(ul); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            default: writer.WriteStringValue(FormatAsText(name, value)); break;
        }
    }

    private static string FormatAsText(string name, object value) => value switch
    {
        string s => s,
        char c => c.ToString(),
        Guid g => g.ToString("D"),
        Uri u => u.OriginalString,
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        DateTimeOffset dto => HttpDate.Format(dto),
        DateTime dt => HttpDate.Format(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(dt, TimeSpan.Zero) : new DateTimeOffset(dt)),
        _ => throw new ArgumentException(
            $"The application property '{name}' has a value of type {value.GetType().Name}, which cannot be sent; use a string, number, boolean, Guid, Uri, TimeSpan or date.",
            nameof(value)),
    };

    // A JSON string literal that is also a legal header value: only ASCII, with quotes, backslashes and
    // anything outside printable ASCII escaped.
    private static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case < ' ' or > '~': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"').ToString();
    }

    private static bool IsHttpToken(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (char c in name)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
