using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.Azure.ServiceBus;
using Omni.Channels.Outbound;
using Omni.Functions.Hosting;
using Omni.Functions.Operations;
using Omni.Hosting;

namespace Omni.Functions.Inbound;

/// <summary>
/// SendAppEvent (queue <c>app-events</c>): POSTs one event to <c>AppEvents__Url</c>, signed like outbound webhooks
/// (<see cref="StandardWebhook.AddHeaders"/>: <c>webhook-id</c> = the event id, <c>webhook-signature</c> and the deprecated
/// <c>X-Omni-Signature</c>) with its own <c>AppEvents__SigningSecret</c> over the exact queued bytes, through the guarded "webhooks" HttpClient (no private targets unless <c>Webhooks__AllowPrivateTargets</c>,
/// no redirects). Anything but 2xx, a network error or a timeout throws, so Service Bus redelivers; after the queue's
/// maxDeliveryCount the event is dead-lettered.
/// </summary>
public sealed class AppEventSender(InboundSettings settings, WebhookOptions webhooks, IHttpClientFactory httpClients, TimeProvider clock, ILogger<AppEventSender> logger)
{
    public async Task SendAsync(ReadOnlyMemory<byte> body, string? eventId, int deliveryCount, CancellationToken cancellationToken)
    {
        if (settings.AppEventsUrl is not { } url)
        {
            logger.LogWarning("App event {EventId} dropped: AppEvents__Url is not set (any more).", eventId);
            return;
        }
        if (settings.AppEventsSigningSecret is not { } secret)
        {
            // Never send unsigned, nor with a key webhook receivers hold: fail, so the event waits (and is dead-lettered)
            // until the secret is configured.
            throw new AppEventDeliveryException(eventId, "AppEvents__SigningSecret is not configured");
        }
        if (!webhooks.AllowPrivateTargets && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new AppEventDeliveryException(eventId, "AppEvents__Url must be https (set Webhooks__AllowPrivateTargets for local http)");
        }

        var bytes = body.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        // webhook-id is required; an event without a message id gets one its redeliveries share (the body's hash).
        string id = eventId ?? Convert.ToHexStringLower(SHA256.HashData(bytes));
        StandardWebhook.AddHeaders(request, StandardWebhook.Secrets(secret), id, clock.GetUtcNow().ToUnixTimeSeconds(), bytes);
        if (eventId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Omni-Event-Id", eventId);
            request.Headers.TryAddWithoutValidation("Idempotency-Key", eventId);
        }
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Omni-Webhooks", "1.0"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(webhooks.Timeout);
        int status;
        try
        {
            using var response = await httpClients.CreateClient(AppEventsRegistration.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning("App event {EventId} not delivered (delivery {DeliveryCount}): {Error}.", eventId, deliveryCount, e.HttpRequestError);
            throw new AppEventDeliveryException(eventId, $"network error ({e.HttpRequestError})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("App event {EventId} not delivered (delivery {DeliveryCount}): timeout.", eventId, deliveryCount);
            throw new AppEventDeliveryException(eventId, "timeout");
        }
        if (status is < 200 or > 299)
        {
            logger.LogWarning("App event {EventId} refused with HTTP {Status} (delivery {DeliveryCount}).", eventId, status, deliveryCount);
            throw new AppEventDeliveryException(eventId, $"HTTP {status}");
        }
        logger.LogInformation("App event {EventId} delivered (HTTP {Status}).", eventId, status);
    }
}

/// <summary>The app's endpoint did not take the event; the invocation fails and Service Bus redelivers it.</summary>
public sealed class AppEventDeliveryException(string? eventId, string reason)
    : Exception($"App event {eventId} not delivered: {reason}; Service Bus will redeliver.");

/// <summary>
/// SendAppEvent (queue <c>app-events</c>). The body must be an app event (<see cref="CheckContract"/>); one that is not
/// is copied to the contract-violations queue (<see cref="ContractViolations"/>) and completed instead of being POSTed
/// and retried. Without a Service Bus client (tests that construct it directly) such a body fails the invocation.
/// </summary>
public sealed class SendAppEventFunction(AppEventSender sender, ServiceBusClient? serviceBus = null, ILogger<SendAppEventFunction>? logger = null) : IServiceBusFunction
{
    public const string Name = "SendAppEvent";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        try
        {
            CheckContract(message.Body.Span);
        }
        catch (QueueContractException e)
        {
            if (serviceBus is null)
            {
                throw new InvalidOperationException("SendAppEvent has no Service Bus client for the contract-violations queue.", e);
            }
            await ContractViolations.SendAsync(serviceBus, logger ?? (ILogger)NullLogger.Instance, Name, message, e.Message, cancellationToken);
            return new InvocationResult();
        }
        await sender.SendAsync(message.Body, message.MessageId, message.DeliveryCount, cancellationToken);
        return new InvocationResult();
    }

    /// <summary>
    /// An app event (docs/inbound.md) as ProcessInbound queues it: a JSON object whose <c>id</c> is a non-empty string and
    /// whose <c>kind</c> is a string. Anything else throws <see cref="QueueContractException"/>.
    /// </summary>
    public static void CheckContract(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw new QueueContractException(ContractViolations.Describe("app event", e));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new QueueContractException("The body is not a valid app event: a JSON object is required.");
            }
            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
            {
                throw new QueueContractException("The body is not a valid app event: id is required, a non-empty string.");
            }
            if (!root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                throw new QueueContractException("The body is not a valid app event: kind is required, a string.");
            }
        }
    }
}

public static class AppEventsRegistration
{
    /// <summary>The HttpClient of SendAppEvent: the outbound-webhook one (guarded against private targets, no redirects).</summary>
    public const string HttpClientName = "webhooks";
}
