namespace Omni.Azure.ServiceBus;

/// <summary>
/// A message to send to a queue or topic. Mirrors <c>Azure.Messaging.ServiceBus.ServiceBusMessage</c> for the
/// properties the REST send API carries.
/// </summary>
public class ServiceBusMessage
{
    private TimeSpan _timeToLive = TimeSpan.MaxValue;

    /// <summary>An empty message.</summary>
    public ServiceBusMessage()
        : this(new BinaryData(Array.Empty<byte>()))
    {
    }

    /// <summary>A message whose body is the UTF-8 encoding of <paramref name="body"/>.</summary>
    public ServiceBusMessage(string body)
        : this(BinaryData.FromString(body ?? throw new ArgumentNullException(nameof(body))))
    {
    }

    /// <summary>A message with the given body bytes.</summary>
    public ServiceBusMessage(ReadOnlyMemory<byte> body)
        : this(new BinaryData(body))
    {
    }

    /// <summary>A message with the given body.</summary>
    public ServiceBusMessage(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body = body;
    }

    /// <summary>The payload, sent byte for byte.</summary>
    public BinaryData Body { get; set; }

    /// <summary>The message id; with duplicate detection on, a second message with the same id is dropped.</summary>
    public string? MessageId { get; set; }

    /// <summary>The payload's content type (the <c>Content-Type</c> header on a single send).</summary>
    public string? ContentType { get; set; }

    /// <summary>Application-defined correlation id.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Application-defined label; the REST API calls it <c>Label</c>.</summary>
    public string? Subject { get; set; }

    /// <summary>Session id, for session-enabled entities.</summary>
    public string? SessionId { get; set; }

    /// <summary>Partition key; must equal <see cref="SessionId"/> when both are set.</summary>
    public string? PartitionKey { get; set; }

    /// <summary>Reply-to address.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>Session id to reply to.</summary>
    public string? ReplyToSessionId { get; set; }

    /// <summary>Application-defined destination.</summary>
    public string? To { get; set; }

    /// <summary>Time to live; <see cref="TimeSpan.MaxValue"/> (the default) means the entity's default. Sent in seconds.</summary>
    public TimeSpan TimeToLive
    {
        get => _timeToLive;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _timeToLive = value;
        }
    }

    /// <summary>When the broker should make the message visible; <c>default</c> means immediately. Sent to the second (RFC 1123).</summary>
    public DateTimeOffset ScheduledEnqueueTime { get; set; }

    /// <summary>
    /// Application properties: strings, booleans, numbers, <see cref="Guid"/>, <see cref="Uri"/>, <see cref="TimeSpan"/>,
    /// <see cref="DateTime"/> and <see cref="DateTimeOffset"/>. Null values are not sent.
    /// </summary>
    public IDictionary<string, object?> ApplicationProperties { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
