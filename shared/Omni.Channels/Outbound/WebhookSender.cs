using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Outbound;

/// <summary>
/// Outbound webhook / in-app settings: <c>Webhooks__SigningSecret</c>, <c>Webhooks__AllowPrivateTargets</c> (default false),
/// <c>Webhooks__TimeoutSeconds</c> (default 10), <c>InApp__Endpoint</c>, <c>InApp__SigningSecret</c>.
/// Secrets hold one value, or "current previous" (space-separated) while rotating (<see cref="StandardWebhook.Secrets"/>).
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// The master key of contact webhooks: never a signing key itself, each target URL signs with its own secret derived
    /// from it (<see cref="StandardWebhook.DeriveTargetSecret"/>).
    /// </summary>
    public string? SigningSecret { get; init; }

    /// <summary>The in-app endpoint's own signing secret: the app's contacts never learn it.</summary>
    public string? InAppSigningSecret { get; init; }

    /// <summary>When false (the default), only https targets with public addresses are called.</summary>
    public bool AllowPrivateTargets { get; init; }

    /// <summary>How long one POST may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The app's in-app/web-chat endpoint (channel <see cref="Channel.InApp"/>).</summary>
    public Uri? InAppEndpoint { get; init; }

    /// <summary>Reads the settings named above.</summary>
    public static WebhookOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new WebhookOptions
        {
            SigningSecret = StandardWebhook.Validated(configuration["Webhooks:SigningSecret"], "Webhooks__SigningSecret"),
            InAppSigningSecret = StandardWebhook.Validated(configuration["InApp:SigningSecret"], "InApp__SigningSecret"),
            AllowPrivateTargets = ConfigValues.Bool(configuration["Webhooks:AllowPrivateTargets"], false),
            Timeout = ConfigValues.Seconds(configuration["Webhooks:TimeoutSeconds"], TimeSpan.FromSeconds(10)),
            InAppEndpoint = ConfigValues.AbsoluteHttpUri(configuration["InApp:Endpoint"]),
        };
    }
}

/// <summary>
/// Delivers in-app and webhook messages by POSTing signed JSON to the contact's webhook URL (channel webhook: the address is
/// the URL) or to <c>InApp__Endpoint</c> (channel in-app: the address is the app's user id). Headers:
/// <c>Idempotency-Key</c>, <c>X-Omni-Message-Id</c>, the Standard Webhooks headers (<see cref="StandardWebhook.AddHeaders"/>;
/// <c>webhook-id</c> = the idempotency key) and the deprecated
/// <c>X-Omni-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}</c>. A webhook target signs with its
/// derived secret (<see cref="StandardWebhook.DeriveTargetSecret"/>), in-app with <c>InApp__SigningSecret</c>. Unless private targets are allowed,
/// only https URLs whose host resolves to public addresses are called, and the <see cref="HttpClient"/> should be built on
/// <see cref="PrivateNetworkGuard.CreateGuardedHandler"/> so the address actually connected is checked too.
/// 2xx → accepted as delivered; 400/401/403/404/410/422 and other 4xx → permanent; 408/429/5xx/timeouts/network → transient.
/// </summary>
public sealed class WebhookSender : IChannelSender
{
    private const string Provider = "webhook";
    private readonly WebhookOptions _options;
    private readonly HttpClient _httpClient;
    private readonly ILogger<WebhookSender> _logger;
    private readonly TimeProvider _timeProvider;

    /// <param name="httpClient">Built on <see cref="CreateHandler"/>.</param>
    public WebhookSender(WebhookOptions options, HttpClient httpClient, ILogger<WebhookSender> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _httpClient = httpClient;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public IReadOnlyList<Channel> Channels { get; } = [Channel.InApp, Channel.Webhook];

    /// <summary>
    /// The primary handler for this sender's <see cref="HttpClient"/>: <see cref="PrivateNetworkGuard.CreateGuardedHandler"/>
    /// unless <see cref="WebhookOptions.AllowPrivateTargets"/> is set (DevHost, tests), then a plain handler; neither follows redirects.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AllowPrivateTargets
            ? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }
            : PrivateNetworkGuard.CreateGuardedHandler();
    }

    /// <summary>The <c>X-Omni-Signature</c> value for <paramref name="body"/> at <paramref name="timestamp"/> (unix seconds).</summary>
    public static string ComputeSignature(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        string t = timestamp.ToString(CultureInfo.InvariantCulture);
        byte[] signed = StandardWebhook.Prefixed(t + ".", body);
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool inApp = request.Channel == Channel.InApp;
        if ((inApp ? _options.InAppSigningSecret : _options.SigningSecret) is not { } setting)
        {
            return Finish(request, SendOutcome.Permanent,
                inApp ? "inapp: InApp__SigningSecret not configured" : "webhook: Webhooks__SigningSecret not configured", null, null);
        }

        Uri? target = inApp ? _options.InAppEndpoint : ConfigValues.AbsoluteHttpUri(request.To);
        if (target is null)
        {
            return Finish(request, SendOutcome.Permanent,
                inApp ? "inapp: InApp__Endpoint not configured" : "webhook: the address is not an absolute http(s) URL", null, null);
        }

        if (!_options.AllowPrivateTargets)
        {
            if (target.Scheme != Uri.UriSchemeHttps)
            {
                return Finish(request, SendOutcome.Permanent, "webhook: only https targets are allowed", null, null);
            }

            try
            {
                await PrivateNetworkGuard.ResolvePublicAsync(target.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (PrivateTargetRefusedException)
            {
                return Finish(request, SendOutcome.Permanent, "webhook: target refused (non-public address)", null, null);
            }
            catch (SocketException ex)
            {
                return Finish(request, SendOutcome.Transient, "webhook network: " + ex.SocketErrorCode, null, null);
            }
        }

        long timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        byte[] body = BuildBody(request, _timeProvider.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        message.Headers.TryAddWithoutValidation("Idempotency-Key", request.IdempotencyKey);
        message.Headers.TryAddWithoutValidation("X-Omni-Message-Id", request.MessageId);
        IReadOnlyList<string> secrets = inApp
            ? StandardWebhook.Secrets(setting)
            : [.. StandardWebhook.Secrets(setting).Select(master => StandardWebhook.DeriveTargetSecret(master, target))];
        StandardWebhook.AddHeaders(message, secrets, request.IdempotencyKey, timestamp, body);
        message.Headers.UserAgent.Add(new ProductInfoHeaderValue("Omni-Webhooks", "1.0"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using HttpResponseMessage response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return Finish(request, SendOutcome.Accepted, null, status, null);
            }

            bool transient = status is 408 or 429 or >= 500;
            TimeSpan? retryAfter = transient ? RetryAfter.Parse(response, _timeProvider.GetUtcNow()) : null;
            string error = status is >= 300 and < 400 ? $"webhook http {status}: redirects are not followed" : $"webhook http {status}";
            return Finish(request, transient ? SendOutcome.Transient : SendOutcome.Permanent, error, status, retryAfter);
        }
        catch (HttpRequestException ex) when (FindRefusal(ex))
        {
            return Finish(request, SendOutcome.Permanent, "webhook: target refused (non-public address)", null, null);
        }
        catch (HttpRequestException ex)
        {
            return Finish(request, SendOutcome.Transient, "webhook " + TransportFailure.Describe(ex), null, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Finish(request, SendOutcome.Transient, "webhook network: timeout", null, null);
        }
    }

    private static bool FindRefusal(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is PrivateTargetRefusedException)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] BuildBody(ChannelSendRequest request, DateTimeOffset sentAt)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", request.IdempotencyKey);
            writer.WriteString("messageId", request.MessageId);
            writer.WriteNumber("step", request.Step);
            writer.WriteString("channel", request.Channel == Channel.InApp ? "inapp" : "webhook");
            WriteNullable(writer, "contactId", request.ContactId);
            WriteNullable(writer, "userId", request.Channel == Channel.InApp ? request.To : null);
            writer.WriteString("category", request.Category);
            writer.WriteString("urgency", request.Urgency.ToString().ToLowerInvariant());
            WriteNullable(writer, "text", request.Content.Text);
            WriteNullable(writer, "subject", request.Content.Subject);
            WriteNullable(writer, "correlationId", request.CorrelationId);
            writer.WriteStartArray("tags");
            foreach (string tag in request.Tags)
            {
                writer.WriteStringValue(tag);
            }

            writer.WriteEndArray();
            writer.WriteString("sentAt", sentAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private SendResult Finish(ChannelSendRequest request, SendOutcome outcome, string? error, int? status, TimeSpan? retryAfter)
    {
        string tryOutcome = outcome switch
        {
            SendOutcome.Accepted => "accepted",
            SendOutcome.Transient => "transient",
            _ => "permanent",
        };
        LogLevel level = outcome == SendOutcome.Accepted ? LogLevel.Information : LogLevel.Warning;
        _logger.Log(level, LogFields.Outcome, Provider, tryOutcome, request.MessageId, request.Step, status, null);
        AttemptStatus attemptStatus = outcome switch
        {
            SendOutcome.Accepted => AttemptStatus.Delivered,
            SendOutcome.Transient => AttemptStatus.Pending,
            _ => AttemptStatus.Failed,
        };
        return new SendResult(outcome, Provider, outcome == SendOutcome.Accepted ? request.IdempotencyKey : null, attemptStatus,
            null, null, null, error, retryAfter, [new ProviderTry(Provider, tryOutcome, _timeProvider.GetUtcNow(), error)]);
    }
}
