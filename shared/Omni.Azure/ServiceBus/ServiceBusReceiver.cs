using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>Which part of a queue a <see cref="ServiceBusReceiver"/> reads.</summary>
public enum ServiceBusSubQueue
{
    /// <summary>The queue itself.</summary>
    None,

    /// <summary>The dead-letter sub-queue, <c>{queue}/$DeadLetterQueue</c>.</summary>
    DeadLetter,
}

/// <summary>
/// Receives from one queue or its dead-letter sub-queue over the Service Bus REST API, peek-lock only:
/// <c>POST {entity}/messages/head?timeout=</c> locks the next message (201, or 204 when none came within the timeout),
/// <c>PUT</c> on the message's lock URI unlocks (abandons) it and <c>DELETE</c> completes it.
/// </summary>
/// <remarks>
/// With Entra ID the identity needs "Azure Service Bus Data Receiver" on the namespace or queue. Transient failures
/// are retried by the client's pipeline; note that a retried peek-lock whose first answer was lost leaves that
/// message locked until the queue's lock duration passes. REST receive has no batch, no lock renewal here, and no
/// message count (that needs the management plane).
/// </remarks>
public class ServiceBusReceiver : IAsyncDisposable
{
    /// <summary>The dead-letter sub-queue's path segment.</summary>
    public const string DeadLetterQueueSegment = "$DeadLetterQueue";

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _root = null!;
    private readonly string _entityUri = null!;
    private readonly string _sasResource = null!;

    /// <summary>For mocking.</summary>
    protected ServiceBusReceiver()
    {
    }

    internal ServiceBusReceiver(string queueName, ServiceBusSubQueue subQueue, Uri restEndpoint, HttpPipeline pipeline)
    {
        QueueName = queueName;
        SubQueue = subQueue;
        FullyQualifiedNamespace = restEndpoint.Host;
        _pipeline = pipeline;

        string escapedQueue = string.Join('/', queueName.Trim('/').Split('/').Select(Uri.EscapeDataString));
        string root = restEndpoint.GetLeftPart(UriPartial.Authority);
        _root = new Uri(root);
        EntityPath = subQueue == ServiceBusSubQueue.DeadLetter ? $"{queueName.Trim('/')}/{DeadLetterQueueSegment}" : queueName.Trim('/');
        _entityUri = subQueue == ServiceBusSubQueue.DeadLetter ? $"{root}/{escapedQueue}/{DeadLetterQueueSegment}" : $"{root}/{escapedQueue}";

        // A token for the queue covers its sub-queues; signed like the sender's (lower-cased resource URI).
        _sasResource = $"{root}/{escapedQueue}".ToLowerInvariant();
    }

    /// <summary>The queue this receiver reads (without the sub-queue).</summary>
    public virtual string QueueName { get; } = string.Empty;

    /// <summary>The queue itself or its dead-letter sub-queue.</summary>
    public virtual ServiceBusSubQueue SubQueue { get; }

    /// <summary>The path received from: <c>{queue}</c> or <c>{queue}/$DeadLetterQueue</c>.</summary>
    public virtual string EntityPath { get; } = string.Empty;

    /// <summary>The namespace host name.</summary>
    public virtual string FullyQualifiedNamespace { get; } = string.Empty;

    /// <summary>
    /// Locks and returns the next message, waiting at most <paramref name="timeout"/> (whole seconds, sent as the
    /// <c>timeout</c> query parameter; default 0 = answer at once) for one to arrive; null when none did (204).
    /// The message stays in the queue, invisible to other receivers, until it is completed, unlocked or its lock expires.
    /// </summary>
    /// <exception cref="RequestFailedException">The service refused (401, 403, 404/410 no such queue) or kept failing.</exception>
    public virtual async Task<ServiceBusReceivedMessage?> PeekLockAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long seconds = timeout is { } t && t > TimeSpan.Zero ? (long)Math.Ceiling(t.TotalSeconds) : 0;
        using HttpMessage message = CreateMessage(RequestMethod.Post,
            new Uri($"{_entityUri}/messages/head?timeout={seconds.ToString(CultureInfo.InvariantCulture)}"));
        message.Request.Content = RequestContent.Create(Array.Empty<byte>());
        if (seconds > 0)
        {
            // The service holds the request up to the timeout; give the network that long and a margin.
            message.NetworkTimeout = TimeSpan.FromSeconds(seconds + 30);
        }

        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        Response response = message.Response;
        if (response.Status == 204)
        {
            return null;
        }

        if (response.Status != 201 && response.Status != 200)
        {
            throw ResponseErrors.Create(response, ServiceBusErrorParser.Instance);
        }

        return ServiceBusReceivedMessage.FromResponse(response, this);
    }

    /// <summary>Unlocks (abandons) <paramref name="message"/>: it becomes receivable again (<c>PUT</c> on its lock URI, 200).</summary>
    /// <exception cref="RequestFailedException">404: no such message or lock (the lock expired or was settled); or another failure.</exception>
    public virtual Task UnlockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        SettleAsync(message, RequestMethod.Put, cancellationToken);

    /// <summary>Completes <paramref name="message"/>: it is removed from the queue (<c>DELETE</c> on its lock URI, 200).</summary>
    /// <exception cref="RequestFailedException">404: no such message or lock (the lock expired or was settled); or another failure.</exception>
    public virtual Task CompleteAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        SettleAsync(message, RequestMethod.Delete, cancellationToken);

    /// <summary>Nothing to release; present so <c>await using</c> works as with the official client.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async Task SettleAsync(ServiceBusReceivedMessage message, RequestMethod method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using HttpMessage httpMessage = CreateMessage(method, LockUri(message));
        await _pipeline.SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
        if (httpMessage.Response.Status is not (200 or 204))
        {
            throw ResponseErrors.Create(httpMessage.Response, ServiceBusErrorParser.Instance);
        }
    }

    /// <summary>
    /// The lock URI: the peek-lock answer's <c>Location</c> as given when it points at this entity on this namespace
    /// (the documented way), otherwise <c>{entity}/messages/{MessageId}/{LockToken}</c>. A Location elsewhere is never
    /// followed, so a token is only ever sent to the namespace it was made for.
    /// </summary>
    internal Uri LockUri(ServiceBusReceivedMessage message)
    {
        if (string.IsNullOrEmpty(message.LockToken))
        {
            throw new ArgumentException("The message has no lock token: it was not received with peek-lock.", nameof(message));
        }

        if (message.LockLocation is { } location && location.IsAbsoluteUri &&
            string.Equals(location.GetLeftPart(UriPartial.Authority), _root.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase) &&
            location.AbsolutePath.StartsWith(new Uri(_entityUri + "/messages/").AbsolutePath, StringComparison.OrdinalIgnoreCase))
        {
            return location;
        }

        return new Uri($"{_entityUri}/messages/{Uri.EscapeDataString(message.MessageId)}/{Uri.EscapeDataString(message.LockToken)}");
    }

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.SetProperty(ServiceBusSasPolicy.ResourceProperty, _sasResource);
        return message;
    }
}

/// <summary>
/// A message received with peek-lock over REST: the body, the broker's properties (from the <c>BrokerProperties</c>
/// response header) and the application properties (one response header each).
/// </summary>
public class ServiceBusReceivedMessage
{
    // Response headers that are HTTP's or the service's own, never application properties.
    private static readonly HashSet<string> NonPropertyHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "BrokerProperties", "Location", "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Date",
        "Server", "Connection", "Keep-Alive", "Strict-Transport-Security", "Cache-Control", "Expires", "Pragma", "Vary",
        "ETag", "Last-Modified", "Request-Context", "traceparent", "tracestate", "Request-Id", "Set-Cookie", "Via",
        "Alt-Svc", "Accept-Ranges", "Age",
    };

    /// <summary>Application property under which Service Bus records why it dead-lettered a message.</summary>
    public const string DeadLetterReasonProperty = "DeadLetterReason";

    /// <summary>Application property under which Service Bus records the dead-lettering's description.</summary>
    public const string DeadLetterErrorDescriptionProperty = "DeadLetterErrorDescription";

    /// <summary>For mocking and tests.</summary>
    public ServiceBusReceivedMessage()
    {
    }

    /// <summary>The payload, byte for byte.</summary>
    public BinaryData Body { get; init; } = new(Array.Empty<byte>());

    /// <summary>The message id (<c>BrokerProperties.MessageId</c>).</summary>
    public string MessageId { get; init; } = string.Empty;

    /// <summary>The lock token; <see cref="ServiceBusReceiver.UnlockAsync"/> and <see cref="ServiceBusReceiver.CompleteAsync"/> use it.</summary>
    public string LockToken { get; init; } = string.Empty;

    /// <summary>The lock URI from the <c>Location</c> response header, when the service sent one.</summary>
    public Uri? LockLocation { get; init; }

    /// <summary>Deliveries so far (starts at 1).</summary>
    public int DeliveryCount { get; init; }

    /// <summary>The broker's sequence number.</summary>
    public long SequenceNumber { get; init; }

    /// <summary>When the broker accepted the message.</summary>
    public DateTimeOffset EnqueuedTime { get; init; }

    /// <summary>Until when this receiver holds the lock, if the service said.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>The payload's content type (<c>BrokerProperties.ContentType</c>, else the <c>Content-Type</c> response header).</summary>
    public string? ContentType { get; init; }

    /// <summary>Application-defined correlation id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Label / subject.</summary>
    public string? Subject { get; init; }

    /// <summary>Session id, for session-enabled entities.</summary>
    public string? SessionId { get; init; }

    /// <summary>Reply-to address.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Application-defined destination.</summary>
    public string? To { get; init; }

    /// <summary>Why the message was dead-lettered (e.g. <c>MaxDeliveryCountExceeded</c>, <c>TTLExpiredException</c>); null when it was not.</summary>
    public string? DeadLetterReason { get; init; }

    /// <summary>The dead-lettering's description, when given.</summary>
    public string? DeadLetterErrorDescription { get; init; }

    /// <summary>
    /// Application properties: quoted header values as strings, bare numbers and booleans typed, anything else as
    /// the raw text. Includes <c>DeadLetterReason</c>/<c>DeadLetterErrorDescription</c> when the service sent them so.
    /// </summary>
    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Reads a 201 peek-lock answer.</summary>
    /// <exception cref="RequestFailedException">The answer has no usable <c>BrokerProperties</c> header.</exception>
    internal static ServiceBusReceivedMessage FromResponse(Response response, ServiceBusReceiver receiver)
    {
        if (!response.Headers.TryGetValue("BrokerProperties", out string? brokerText) || string.IsNullOrWhiteSpace(brokerText))
        {
            throw new RequestFailedException(response.Status, $"The peek-lock answer from '{receiver.EntityPath}' has no BrokerProperties header.");
        }

        JsonElement broker;
        try
        {
            using JsonDocument document = JsonDocument.Parse(brokerText);
            broker = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new RequestFailedException(response.Status, $"The peek-lock answer from '{receiver.EntityPath}' has a BrokerProperties header that is not JSON.", e);
        }

        if (broker.ValueKind != JsonValueKind.Object)
        {
            throw new RequestFailedException(response.Status, $"The peek-lock answer from '{receiver.EntityPath}' has a BrokerProperties header that is not a JSON object.");
        }

        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (HttpHeader header in response.Headers)
        {
            if (NonPropertyHeaders.Contains(header.Name) || header.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            properties[header.Name] = ParseHeaderValue(header.Value);
        }

        response.Headers.TryGetValue("Content-Type", out string? contentTypeHeader);
        Uri? location = response.Headers.TryGetValue("Location", out string? locationText) &&
            Uri.TryCreate(locationText, UriKind.Absolute, out Uri? parsed) ? parsed : null;

        string lockToken = Text(broker, "LockToken") ?? string.Empty;
        return new ServiceBusReceivedMessage
        {
            Body = response.Content ?? new BinaryData(Array.Empty<byte>()),
            MessageId = Text(broker, "MessageId") ?? string.Empty,
            LockToken = lockToken,
            LockLocation = location,
            DeliveryCount = broker.TryGetProperty("DeliveryCount", out JsonElement count) && count.TryGetInt32(out int c) ? c : 0,
            SequenceNumber = broker.TryGetProperty("SequenceNumber", out JsonElement sequence) && sequence.TryGetInt64(out long s) ? s : 0,
            EnqueuedTime = Date(broker, "EnqueuedTimeUtc") ?? default,
            LockedUntil = Date(broker, "LockedUntilUtc"),
            ContentType = Text(broker, "ContentType") ?? (string.IsNullOrEmpty(contentTypeHeader) ? null : contentTypeHeader),
            CorrelationId = Text(broker, "CorrelationId"),
            Subject = Text(broker, "Label"),
            SessionId = Text(broker, "SessionId"),
            ReplyTo = Text(broker, "ReplyTo"),
            To = Text(broker, "To"),
            DeadLetterReason = Text(broker, DeadLetterReasonProperty) ?? properties.GetValueOrDefault(DeadLetterReasonProperty)?.ToString(),
            DeadLetterErrorDescription = Text(broker, DeadLetterErrorDescriptionProperty) ?? properties.GetValueOrDefault(DeadLetterErrorDescriptionProperty)?.ToString(),
            ApplicationProperties = properties,
        };
    }

    private static string? Text(JsonElement broker, string name) =>
        broker.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Date(JsonElement broker, string name) =>
        Text(broker, name) is { } text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value)
            ? value
            : null;

    /// <summary>A property header: a JSON string (quoted) is a string, a bare number or boolean is typed, anything else is the raw text.</summary>
    private static object? ParseHeaderValue(string value)
    {
        string trimmed = value.Trim();
        try
        {
            using JsonDocument document = JsonDocument.Parse(trimmed);
            JsonElement element = document.RootElement;
            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number when element.TryGetInt64(out long l) => l,
                JsonValueKind.Number => element.GetDouble(),
                _ => trimmed,
            };
        }
        catch (JsonException)
        {
            return trimmed;
        }
    }
}
