using System.Text;
using System.Text.Json;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// Service Bus's AMQP message mapping, both ways: what a sender's AMQP message becomes in an <see cref="EmulatedQueue"/>
/// (<see cref="FromAmqp"/>) and what a receiver gets for a held message (<see cref="ToAmqp"/>), with the broker's
/// <c>x-opt-*</c> annotations. The management node's peek and receive-by-sequence-number use <see cref="ToAmqp"/> too.
/// </summary>
public static class AmqpMessageMapping
{
    /// <summary>The message format of a batch: each data section holds one encoded message.</summary>
    public const uint BatchFormat = 0x80013700;

    public const string EnqueuedTime = "x-opt-enqueued-time";
    public const string SequenceNumber = "x-opt-sequence-number";
    public const string EnqueueSequenceNumber = "x-opt-enqueue-sequence-number";
    public const string LockedUntil = "x-opt-locked-until";
    public const string LockToken = "x-opt-lock-token";
    public const string ScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
    public const string PartitionKey = "x-opt-partition-key";
    public const string MessageState = "x-opt-message-state";
    public const string DeadLetterSource = "x-opt-deadletter-source";

    // The SDK's described types for .NET values AMQP has no type for.
    private const string DateTimeOffsetDescriptor = "com.microsoft:datetime-offset";
    private const string TimeSpanDescriptor = "com.microsoft:timespan";
    private const string UriDescriptor = "com.microsoft:uri";

    /// <summary>The messages one transfer carries: itself, or for the batch format each message its data sections hold.</summary>
    /// <exception cref="AmqpException">amqp:decode-error when a batch entry is not an AMQP message.</exception>
    public static IReadOnlyList<IncomingMessage> FromAmqp(Message message)
    {
        if (message.Format != BatchFormat)
        {
            return [ToIncoming(message)];
        }
        var result = new List<IncomingMessage>();
        foreach (var data in DataSections(message))
        {
            Message inner;
            try
            {
                inner = Message.Decode(new ByteBuffer(data, 0, data.Length, data.Length));
            }
            catch (Exception e) when (e is AmqpException or InvalidCastException or IndexOutOfRangeException or ArgumentException)
            {
                throw new AmqpException(ErrorCode.DecodeError, $"A batch entry is not an encoded AMQP message: {e.Message}");
            }
            result.Add(ToIncoming(inner));
        }
        return result;
    }

    /// <summary>One AMQP message as the queue holds it.</summary>
    public static IncomingMessage ToIncoming(Message message)
    {
        var p = message.Properties;
        var annotations = message.MessageAnnotations;
        TimeSpan? ttl = message.Header is { } header && header.Ttl is > 0 and < uint.MaxValue ? TimeSpan.FromMilliseconds(header.Ttl) : null;
        if (ttl is null && p is { AbsoluteExpiryTime.Ticks: > 0 } && p.CreationTime.Ticks > 0 && p.AbsoluteExpiryTime > p.CreationTime)
        {
            ttl = p.AbsoluteExpiryTime - p.CreationTime;
        }
        var (body, section) = Body(message);
        return new IncomingMessage
        {
            Body = body,
            AmqpBodySection = section,
            MessageId = p?.GetMessageId()?.ToString(),
            CorrelationId = p?.GetCorrelationId()?.ToString(),
            ContentType = p?.ContentType is { } contentType ? (string)contentType : null,
            Subject = p?.Subject,
            To = p?.To,
            ReplyTo = p?.ReplyTo,
            SessionId = p?.GroupId,
            TimeToLive = ttl,
            ScheduledEnqueueTime = annotations?[(Symbol)ScheduledEnqueueTime] is DateTime at && at > DateTime.MinValue
                ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))
                : null,
            PartitionKey = annotations?[(Symbol)PartitionKey] as string,
            ApplicationProperties = message.ApplicationProperties?.Map is { } map
                ? map.ToDictionary(e => e.Key.ToString()!, e => FromAmqpValue(e.Value), StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// A held message as Service Bus hands it to an AMQP receiver: properties, application properties, the broker's
    /// annotations, the lock token when locked, and the header's delivery count (prior deliveries; the SDK adds one
    /// for a received message, none for a peeked one: <paramref name="peeked"/>).
    /// </summary>
    public static Message ToAmqp(QueuedMessage queued, bool peeked = false, string? deadLetterSource = null)
    {
        var m = queued.Message;
        var message = new Message
        {
            BodySection = m.AmqpBodySection as RestrictedDescribed ?? new Data { Binary = m.Body },
            Header = new Header
            {
                Durable = true,
                DeliveryCount = (uint)Math.Max(0, peeked ? queued.DeliveryCount : queued.DeliveryCount - 1),
            },
            Properties = new Properties
            {
                MessageId = queued.MessageId,
                CorrelationId = m.CorrelationId,
                Subject = m.Subject,
                To = m.To,
                ReplyTo = m.ReplyTo,
                GroupId = m.SessionId,
            },
            MessageAnnotations = new MessageAnnotations(),
        };
        if (m.ContentType is { } contentType)
        {
            message.Properties.ContentType = contentType;
        }
        var ttl = queued.ExpiresAt - queued.VisibleAt;
        if (queued.ExpiresAt != DateTimeOffset.MaxValue && ttl.TotalMilliseconds < uint.MaxValue)
        {
            message.Header.Ttl = (uint)ttl.TotalMilliseconds;
            message.Properties.CreationTime = queued.VisibleAt.UtcDateTime;
            message.Properties.AbsoluteExpiryTime = queued.ExpiresAt.UtcDateTime;
        }
        var a = message.MessageAnnotations;
        a[(Symbol)EnqueuedTime] = queued.EnqueuedTime.UtcDateTime;
        a[(Symbol)SequenceNumber] = queued.SequenceNumber;
        a[(Symbol)EnqueueSequenceNumber] = queued.SequenceNumber;
        a[(Symbol)MessageState] = queued.State switch
        {
            ServiceBus.MessageState.Deferred => 1,
            ServiceBus.MessageState.Scheduled => 2,
            _ => queued.IsDeferred ? 1 : 0,
        };
        if (m.ScheduledEnqueueTime is { } scheduled)
        {
            a[(Symbol)ScheduledEnqueueTime] = scheduled.UtcDateTime;
        }
        if ((m.PartitionKey ?? m.SessionId) is { } partitionKey)
        {
            a[(Symbol)PartitionKey] = partitionKey;
        }
        if (queued.State == ServiceBus.MessageState.Locked || queued.LockedUntil is not null)
        {
            a[(Symbol)LockToken] = queued.LockToken;
            a[(Symbol)LockedUntil] = (queued.LockedUntil ?? DateTimeOffset.MaxValue).UtcDateTime;
        }
        if (deadLetterSource is not null)
        {
            a[(Symbol)DeadLetterSource] = deadLetterSource;
        }

        var properties = new ApplicationProperties();
        foreach (var (key, value) in m.ApplicationProperties)
        {
            properties.Map[key] = ToAmqpValue(value);
        }
        if (queued.State == ServiceBus.MessageState.DeadLettered)
        {
            // Service Bus keeps the dead-lettering's reason and description as application properties.
            if (queued.DeadLetterReason is { } reason)
            {
                properties.Map["DeadLetterReason"] = reason;
            }
            if (queued.DeadLetterErrorDescription is { } description)
            {
                properties.Map["DeadLetterErrorDescription"] = description;
            }
        }
        if (properties.Map.Count > 0)
        {
            message.ApplicationProperties = properties;
        }
        return message;
    }

    /// <summary>A disposition's or request's property changes (the SDK's propertiesToModify) as application property values.</summary>
    public static IReadOnlyDictionary<string, object?>? PropertyChanges(Fields? fields)
    {
        if (fields is not { Count: > 0 })
        {
            return null;
        }
        return fields.ToDictionary(e => e.Key.ToString()!, e => FromAmqpValue(e.Value), StringComparer.Ordinal);
    }

    /// <summary>An AMQP application property value as the queue keeps it (the SDK's described types as their .NET values).</summary>
    public static object? FromAmqpValue(object? value) => value switch
    {
        DescribedValue { Descriptor: Symbol d, Value: long ticks } when (string)d == DateTimeOffsetDescriptor => new DateTimeOffset(ticks, TimeSpan.Zero),
        DescribedValue { Descriptor: Symbol d, Value: long ticks } when (string)d == TimeSpanDescriptor => new TimeSpan(ticks),
        DescribedValue { Descriptor: Symbol d, Value: string uri } when (string)d == UriDescriptor => new Uri(uri, UriKind.RelativeOrAbsolute),
        Symbol symbol => symbol.ToString(),
        _ => value,
    };

    /// <summary>A queue's application property value as AMQP carries it (what the SDK sends for the same .NET value).</summary>
    public static object? ToAmqpValue(object? value) => value switch
    {
        DateTimeOffset offset => new DescribedValue((Symbol)DateTimeOffsetDescriptor, offset.UtcTicks),
        TimeSpan span => new DescribedValue((Symbol)TimeSpanDescriptor, span.Ticks),
        Uri uri => new DescribedValue((Symbol)UriDescriptor, uri.ToString()),
        decimal d => (double)d,
        _ => value,
    };

    /// <summary>
    /// The body's bytes (what <c>ServiceBusReceivedMessage.Body</c> gives: data sections joined) and, for an
    /// amqp-value or amqp-sequence body, the section itself so receivers get it back unchanged.
    /// </summary>
    private static (byte[] Bytes, object? Section) Body(Message message)
    {
        switch (message.BodySection)
        {
            case null:
                return ([], null);
            case Data or DataList:
                return (Join(DataSections(message)), null);
            case AmqpValue { Value: byte[] bytes } value:
                return (bytes, value);
            case AmqpValue { Value: string text } value:
                return (Encoding.UTF8.GetBytes(text), value);
            case AmqpValue value:
                return (Encoding.UTF8.GetBytes(JsonScalar(value.Value)), value);
            default:
                return ([], message.BodySection);
        }
    }

    private static string JsonScalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long or int or short or sbyte or ulong or uint or ushort or byte or double or float =>
            Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        _ => JsonSerializer.Serialize(value.ToString() ?? "", AmqpJsonContext.Default.String),
    };

    private static List<byte[]> DataSections(Message message) => message.BodySection switch
    {
        Data data => [data.Binary ?? []],
        DataList list => Enumerable.Range(0, list.Count).Select(i => list[i].Binary ?? []).ToList(),
        _ => [],
    };

    private static byte[] Join(List<byte[]> parts) => parts.Count == 1 ? parts[0] : parts.SelectMany(p => p).ToArray();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class AmqpJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
