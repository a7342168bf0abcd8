using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// Sends messages to one queue or topic with <c>POST {endpoint}/{entity}/messages</c>.
/// Transient failures (408, 429, 5xx, timeouts) are retried by the client's pipeline; any other non-201 answer
/// throws <see cref="RequestFailedException"/> carrying the status and the service's error code.
/// </summary>
public class ServiceBusSender : IAsyncDisposable
{
    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _messagesUri = null!;
    private readonly string _sasResource = null!;
    private readonly long _maxMessageSizeInBytes;

    /// <summary>For mocking.</summary>
    protected ServiceBusSender()
    {
    }

    internal ServiceBusSender(string entityPath, Uri restEndpoint, HttpPipeline pipeline, ServiceBusClientOptions options)
    {
        EntityPath = entityPath;
        FullyQualifiedNamespace = restEndpoint.Host;
        _pipeline = pipeline;
        _maxMessageSizeInBytes = options.MaxMessageSizeInBytes;

        string escapedPath = string.Join('/', entityPath.Trim('/').Split('/').Select(Uri.EscapeDataString));
        string root = restEndpoint.GetLeftPart(UriPartial.Authority);
        _messagesUri = new Uri($"{root}/{escapedPath}/messages");

        // The token is scoped to the entity; SDKs sign the lower-cased resource URI.
        _sasResource = $"{root}/{escapedPath}".ToLowerInvariant();
    }

    /// <summary>The queue or topic this sender writes to.</summary>
    public virtual string EntityPath { get; } = string.Empty;

    /// <summary>The namespace host name.</summary>
    public virtual string FullyQualifiedNamespace { get; } = string.Empty;

    /// <summary>
    /// Sends one message: the body as the request body, <see cref="ServiceBusMessage.ContentType"/> as
    /// <c>Content-Type</c>, broker properties in the <c>BrokerProperties</c> header and each application property
    /// as its own header.
    /// </summary>
    /// <exception cref="RequestFailedException">The service refused the message (e.g. 400, 401, 403, 404, 410, 413) or kept failing.</exception>
    public virtual async Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        AddTraceContext(message);
        string? brokerProperties = ServiceBusWireFormat.GetBrokerPropertiesHeader(message);
        List<KeyValuePair<string, string>> propertyHeaders = ServiceBusWireFormat.GetPropertyHeaders(message);

        using HttpMessage httpMessage = CreateMessage();
        Request request = httpMessage.Request;
        if (brokerProperties is not null)
        {
            request.Headers.SetValue("BrokerProperties", brokerProperties);
        }

        foreach ((string name, string value) in propertyHeaders)
        {
            request.Headers.SetValue(name, value);
        }

        if (message.ContentType is not null)
        {
            request.Headers.SetValue(HttpHeader.Names.ContentType, message.ContentType);
        }

        request.Content = RequestContent.Create(message.Body);
        await SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the messages in one batch request (<c>application/vnd.microsoft.servicebus.json</c>); nothing is sent for
    /// an empty sequence.
    /// </summary>
    /// <exception cref="ServiceBusException">The batch is larger than <see cref="ServiceBusClientOptions.MaxMessageSizeInBytes"/> (reason <see cref="ServiceBusFailureReason.MessageSizeExceeded"/>).</exception>
    /// <exception cref="RequestFailedException">The service refused the batch or kept failing.</exception>
    public virtual async Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var batch = new ServiceBusMessageBatch(_maxMessageSizeInBytes);
        foreach (ServiceBusMessage message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            AddTraceContext(message);
            if (!batch.TryAddMessage(message))
            {
                throw new ServiceBusException(
                    $"The messages do not fit in one batch of at most {_maxMessageSizeInBytes} bytes; split them with CreateMessageBatchAsync/TryAddMessage.",
                    ServiceBusFailureReason.MessageSizeExceeded, EntityPath);
            }
        }

        await SendMessagesAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An empty batch limited to <see cref="ServiceBusClientOptions.MaxMessageSizeInBytes"/>.</summary>
    public virtual ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new ServiceBusMessageBatch(_maxMessageSizeInBytes));

    /// <summary>Sends a batch built with <see cref="CreateMessageBatchAsync"/>; nothing is sent for an empty batch.</summary>
    /// <exception cref="RequestFailedException">The service refused the batch or kept failing.</exception>
    public virtual async Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageBatch);
        if (messageBatch.Count == 0)
        {
            return;
        }

        using HttpMessage httpMessage = CreateMessage();
        httpMessage.Request.SetJsonContent(messageBatch.ToRequestBody(), ServiceBusWireFormat.BatchContentType);
        await SendAsync(httpMessage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a message that becomes visible at <paramref name="scheduledEnqueueTime"/> (sets
    /// <see cref="ServiceBusMessage.ScheduledEnqueueTime"/>). Unlike the official client no sequence number is
    /// returned: the REST API does not report one, so a scheduled message cannot be cancelled through this client.
    /// </summary>
    public virtual Task ScheduleMessageAsync(ServiceBusMessage message, DateTimeOffset scheduledEnqueueTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.ScheduledEnqueueTime = scheduledEnqueueTime;
        return SendMessageAsync(message, cancellationToken);
    }

    /// <summary>Nothing to release; present so <c>await using</c> works as with the official client.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The application property that carries W3C trace context across the queue, as the official clients set it:
    /// the current activity's <c>traceparent</c> (<c>00-{trace id}-{span id}-{flags}</c>).
    /// </summary>
    public const string DiagnosticIdProperty = "Diagnostic-Id";

    // Like the official clients: a message sent inside an activity carries its traceparent unless it already has one,
    // so the consumer's trace continues this one. Batches built with CreateMessageBatchAsync are serialised when added,
    // before this sender sees them, and keep only what the caller put in their properties.
    private static void AddTraceContext(ServiceBusMessage message)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity && !message.ApplicationProperties.ContainsKey(DiagnosticIdProperty))
        {
            message.ApplicationProperties[DiagnosticIdProperty] = activity.Id;
        }
    }

    private HttpMessage CreateMessage()
    {
        HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(_messagesUri);
        message.SetProperty(ServiceBusSasPolicy.ResourceProperty, _sasResource);
        return message;
    }

    private async Task SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 201)
        {
            throw ResponseErrors.Create(message.Response, ServiceBusErrorParser.Instance);
        }
    }
}
