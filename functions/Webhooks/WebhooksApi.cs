using System.Buffers;
using System.Text;
using Omni.Functions.Http;
using Omni.Azure.ServiceBus;
using Omni.Channels.Inbound;
using Omni.Core.Messages;

namespace Omni.Functions.Webhooks;

/// <summary>
/// The provider webhooks (functions AcsEvents, TwilioWebhook, MetaWebhook, ChatWebhook): each authenticates the request
/// itself (function keys are off: providers cannot send them), normalises it with <c>Omni.Channels.Inbound</c> and puts
/// the events on the <c>inbound</c> queue in one batch, Service Bus MessageId = event id, so a provider's retry is
/// dropped by duplicate detection. Bad signature → 401 and nothing enqueued; malformed → 400; nothing Omni acts on →
/// 200; Service Bus down → 503 so the provider retries. Addresses, text and secrets are never logged.
/// </summary>
public static class WebhooksApi
{
    public const string AcsSecretKey = "AcsEvents:Secret";

    /// <summary>
    /// Where Event Grid sends <c>AcsEvents__Secret</c>: a static delivery property of the subscription, marked secret.
    /// Never the URL: the host and proxies log URLs with their query.
    /// </summary>
    public const string AcsSecretHeader = "X-Omni-Secret";
    public const string TwilioAuthTokenKey = "Twilio:AuthToken";
    public const string TwilioWebhookUrlKey = "Twilio:WebhookUrl";
    public const string PublicBaseUrlKey = "Omni:PublicBaseUrl";
    public const string TwilioTrustForwardedHostKey = "Twilio:TrustForwardedHost";
    public const string MetaAppSecretKey = "Meta:AppSecret";
    public const string MetaVerifyTokenKey = "Meta:VerifyToken";
    public const string ChatSecretKey = "Chat:Secret";

    /// <summary>Event Grid delivers at most 1 MB per request; no provider here sends more.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private const string LoggerName = "Omni.Functions.Webhooks";

    /// <summary>The answer to an Event Grid subscription validation: <c>{"validationResponse": "…"}</c>.</summary>
    public sealed record AcsValidationResponse(string? ValidationResponse);

    public static void MapWebhooks(this WebApplication app)
    {
        // Not part of the public API document: providers call these, not apps.
        var webhooks = app.MapGroup("/api/webhooks").ExcludeFromDescription();
        webhooks.MapPost("/acs", AcsEventsAsync).WithName("AcsEvents");
        webhooks.MapMethods("/acs", [HttpMethods.Options], AcsOptions).WithName("AcsEventsHandshake");
        webhooks.MapPost("/twilio", TwilioAsync).WithName("TwilioWebhook");
        webhooks.MapGet("/meta", MetaVerify).WithName("MetaWebhookVerify");
        webhooks.MapPost("/meta", MetaAsync).WithName("MetaWebhook");
        webhooks.MapPost("/chat", ChatAsync).WithName("ChatWebhook");
    }

    internal static async Task<IResult> AcsEventsAsync(HttpContext context, IConfiguration configuration, ServiceBusClient serviceBus,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        if (!AcsHeaderMissing(context) && AcsSecretProblem(context, configuration, logger, handshake: false) is { } refused)
        {
            return refused;
        }
        var (body, tooLarge) = await ReadBodyAsync(context.Request, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }
        var result = AcsEventGridWebhook.Parse(body, time.GetUtcNow());
        var handshake = result.Outcome == InboundOutcome.SubscriptionValidation;
        if (AcsSecretProblem(context, configuration, logger, handshake) is { } refusedAfterParse)
        {
            return refusedAfterParse;
        }
        if (handshake)
        {
            logger.LogInformation("AcsEvents: Event Grid subscription validated");
            return TypedResults.Ok(new AcsValidationResponse(result.ValidationCode));
        }
        return await AnswerAsync("AcsEvents", result, serviceBus, logger, () => TypedResults.Ok(), cancellationToken);
    }

    /// <summary>CloudEvents 1.0 abuse protection: grant the origin Event Grid asks for, at any rate.</summary>
    internal static IResult AcsOptions(HttpContext context, IConfiguration configuration, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LoggerName);
        if (AcsSecretProblem(context, configuration, logger, handshake: true) is { } refused)
        {
            return refused;
        }
        var origin = AcsEventGridWebhook.AllowedOrigin(context.Request.Headers["WebHook-Request-Origin"].ToString());
        if (origin is null)
        {
            return Problem(400, "Invalid request", "An OPTIONS request here is the CloudEvents handshake: send WebHook-Request-Origin.");
        }
        context.Response.Headers["WebHook-Allowed-Origin"] = origin;
        context.Response.Headers["WebHook-Allowed-Rate"] = "*";
        context.Response.Headers.Allow = "POST, OPTIONS";
        logger.LogInformation("AcsEvents: CloudEvents handshake granted");
        return TypedResults.Ok();
    }

    internal static async Task<IResult> TwilioAsync(HttpContext context, IConfiguration configuration, ServiceBusClient serviceBus,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var authToken = configuration[TwilioAuthTokenKey];
        if (string.IsNullOrEmpty(authToken))
        {
            logger.LogWarning("TwilioWebhook: Twilio__AuthToken is not configured; every request is refused");
            return Unauthorized("TwilioWebhook");
        }
        var (body, tooLarge) = await ReadBodyAsync(context.Request, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }
        var signature = context.Request.Headers[TwilioWebhook.SignatureHeader].ToString();
        var urls = TwilioUrls(context.Request, configuration);
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim();
        var isJson = mediaType is not null && mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase);

        IReadOnlyList<KeyValuePair<string, string>>? parameters;
        if (isJson)
        {
            if (!TwilioWebhook.IsValidJsonRequest(authToken, urls, body.Span, signature))
            {
                logger.LogWarning("TwilioWebhook: refused a JSON request with a missing or wrong signature or bodySHA256");
                return Unauthorized("TwilioWebhook");
            }
            parameters = TwilioWebhook.ParseJsonParameters(body);
        }
        else
        {
            parameters = TwilioWebhook.ParseForm(body.Span);
            if (parameters is null || !TwilioWebhook.IsValidFormRequest(authToken, urls, parameters, signature))
            {
                logger.LogWarning("TwilioWebhook: refused a request with a missing or wrong X-Twilio-Signature");
                return Unauthorized("TwilioWebhook");
            }
        }
        var result = parameters is null
            ? InboundParseResult.Malformed("The body is not a JSON object.")
            : TwilioWebhook.Parse(parameters, time.GetUtcNow(), SignedQuery(context.Request, configuration));
        // Twilio reads the answer as TwiML: an empty <Response/> says "no reply".
        return await AnswerAsync("TwilioWebhook", result, serviceBus, logger, () => Results.Text("<Response/>", "text/xml", Encoding.UTF8), cancellationToken);
    }

    internal static IResult MetaVerify(HttpContext context, IConfiguration configuration, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var configured = configuration[MetaVerifyTokenKey];
        if (string.IsNullOrEmpty(configured))
        {
            logger.LogWarning("MetaWebhook: Meta__VerifyToken is not configured; subscription verification is refused");
        }
        var query = context.Request.Query;
        var challenge = MetaWebhook.VerifySubscription(configured, query["hub.mode"].ToString(), query["hub.verify_token"].ToString(), query["hub.challenge"].ToString());
        if (challenge is null)
        {
            logger.LogWarning("MetaWebhook: subscription verification refused (wrong mode or verify token)");
            return Problem(403, "Forbidden", "The verify token does not match.");
        }
        logger.LogInformation("MetaWebhook: subscription verified");
        return Results.Text(challenge, "text/plain", Encoding.UTF8);
    }

    internal static async Task<IResult> MetaAsync(HttpContext context, IConfiguration configuration, ServiceBusClient serviceBus,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var appSecret = configuration[MetaAppSecretKey];
        if (string.IsNullOrEmpty(appSecret))
        {
            logger.LogWarning("MetaWebhook: Meta__AppSecret is not configured; every request is refused");
            return Unauthorized("MetaWebhook");
        }
        var (body, tooLarge) = await ReadBodyAsync(context.Request, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }
        var signature = context.Request.Headers[MetaWebhook.SignatureHeader].ToString();
        var result = JsonBody.HasValidText(body.Span) || !MetaWebhook.IsValidSignature(appSecret, body.Span, signature)
            ? MetaWebhook.VerifyAndParse(appSecret, body, signature, time.GetUtcNow())
            : NotUtf8;
        return await AnswerAsync("MetaWebhook", result, serviceBus, logger, () => TypedResults.Ok(), cancellationToken);
    }

    internal static async Task<IResult> ChatAsync(HttpContext context, IConfiguration configuration, ServiceBusClient serviceBus,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(LoggerName);
        var secret = configuration[ChatSecretKey];
        if (string.IsNullOrEmpty(secret))
        {
            logger.LogWarning("ChatWebhook: Chat__Secret is not configured (or shorter than 32 characters); every request is refused");
            return Unauthorized("ChatWebhook");
        }
        var (body, tooLarge) = await ReadBodyAsync(context.Request, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }
        var header = context.Request.Headers[ChatWebhook.SignatureHeader].ToString();
        var result = JsonBody.HasValidText(body.Span) || !ChatWebhook.IsValidSignature(secret, header, body.Span, time.GetUtcNow(), out _)
            ? ChatWebhook.VerifyAndParse(secret, header, body, time.GetUtcNow())
            : NotUtf8;
        return await AnswerAsync("ChatWebhook", result, serviceBus, logger, () => TypedResults.Ok(), cancellationToken);
    }

    /// <summary>
    /// The public URLs Twilio may have signed: <c>Twilio__WebhookUrl</c> alone when set (plus the request's query);
    /// otherwise <c>Omni__PublicBaseUrl</c>, the app's default host name (<c>WEBSITE_HOSTNAME</c>, set by App Service), and
    /// the request's own scheme and host. X-Forwarded-Host/Proto come from the client unless a proxy replaces them, so
    /// they count only with <c>Twilio__TrustForwardedHost</c> = true, and then only their right-most values: the ones the
    /// nearest proxy (the Functions host, the DevHost) set or appended. Port variants are added by the validator.
    /// </summary>
    internal static IReadOnlyList<string> TwilioUrls(HttpRequest request, IConfiguration configuration)
    {
        var pathAndQuery = request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        if (configuration[TwilioWebhookUrlKey] is { Length: > 0 } configured)
        {
            return [configured.Contains('?') || !request.QueryString.HasValue ? configured : configured + request.QueryString.ToUriComponent()];
        }
        var urls = new List<string>();
        if (configuration[PublicBaseUrlKey] is { Length: > 0 } baseUrl)
        {
            urls.Add(baseUrl.TrimEnd('/') + pathAndQuery);
        }
        if (configuration[Hosting.CustomHandlerHosting.HostNameVariable] is { Length: > 0 } hostName)
        {
            urls.Add($"https://{hostName}{pathAndQuery}");
        }
        if (string.Equals(configuration[TwilioTrustForwardedHostKey], "true", StringComparison.OrdinalIgnoreCase)
            && LastValue(request.Headers["X-Forwarded-Host"]) is { } forwardedHost)
        {
            var proto = LastValue(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
            urls.Add($"{proto}://{forwardedHost}{pathAndQuery}");
        }
        urls.Add($"{request.Scheme}://{request.Host.ToUriComponent()}{pathAndQuery}");
        return urls;
    }

    /// <summary>The right-most value of a header that proxies append to (repeated headers and comma lists alike).</summary>
    internal static string? LastValue(Microsoft.Extensions.Primitives.StringValues header) =>
        header.ToString().Split(',')[^1].Trim() is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The request's query parameters when the verified signature covered them (every URL of <see cref="TwilioUrls"/>
    /// ends with the request's query, unless <c>Twilio__WebhookUrl</c> has a query of its own): the Omni message/step
    /// hints of a status callback are read from it. Null otherwise.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, string>>? SignedQuery(HttpRequest request, IConfiguration configuration)
    {
        if (!request.QueryString.HasValue || configuration[TwilioWebhookUrlKey] is { Length: > 0 } configured && configured.Contains('?'))
        {
            return null;
        }
        return [.. request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? "")))];
    }

    private static bool AcsHeaderMissing(HttpContext context) => string.IsNullOrEmpty(context.Request.Headers[AcsSecretHeader].ToString());

    /// <summary>
    /// Null when the request may go on. A validation handshake (the subscription-validation event or the CloudEvents
    /// OPTIONS preflight) may come without the header: it writes nothing and reveals nothing, and a subscription must be
    /// creatable whether or not Event Grid adds delivery properties to it. A wrong header or a URL secret is refused even then.
    /// </summary>
    private static IResult? AcsSecretProblem(HttpContext context, IConfiguration configuration, ILogger logger, bool handshake)
    {
        var configured = configuration[AcsSecretKey];
        if (string.IsNullOrEmpty(configured))
        {
            logger.LogWarning("AcsEvents: AcsEvents__Secret is not configured (or shorter than 32 characters); every request is refused");
            return Unauthorized("AcsEvents");
        }
        if (context.Request.Query.ContainsKey("secret"))
        {
            // Refused even when right: a secret in a URL is already in the host's logs, so it must move and be rotated.
            logger.LogWarning("AcsEvents: refused a request with ?secret= in its URL; the secret goes in the {Header} header", AcsSecretHeader);
            return Problem(401, "Unauthorized",
                $"AcsEvents does not read ?secret= (URLs are logged): remove it from the subscription's endpoint URL, send the secret in the " +
                $"{AcsSecretHeader} header (a static delivery property marked secret), and rotate AcsEvents__Secret, since the old one was logged.");
        }
        if (handshake && AcsHeaderMissing(context))
        {
            return null;
        }
        if (!WebhookCrypto.SecretEquals(configured, context.Request.Headers[AcsSecretHeader].ToString()))
        {
            logger.LogWarning("AcsEvents: refused a request with a missing or wrong secret");
            return Unauthorized("AcsEvents");
        }
        return null;
    }

    private static async Task<IResult> AnswerAsync(string function, InboundParseResult result, ServiceBusClient serviceBus, ILogger logger,
        Func<IResult> ok, CancellationToken cancellationToken)
    {
        switch (result.Outcome)
        {
            case InboundOutcome.Unauthorized:
                logger.LogWarning("{Function}: refused: {Reason}", function, result.Reason);
                return Unauthorized(function);
            case InboundOutcome.Malformed:
                logger.LogWarning("{Function}: malformed request: {Reason}", function, result.Reason);
                return Problem(400, "Invalid request", result.Reason ?? "The body is not in the provider's format.");
            case InboundOutcome.SubscriptionValidation:
                return Problem(400, "Invalid request", "Subscription validation is only answered by AcsEvents.");
        }
        try
        {
            await InboundQueue.EnqueueAsync(function, result, serviceBus, logger, cancellationToken);
        }
        catch (Exception e) when (e is global::Azure.RequestFailedException or ServiceBusException or HttpRequestException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogError("{Function}: could not enqueue {Count} event(s) on {Queue}: {Error}", function, result.Events.Count, OmniQueues.Inbound, e.GetType().Name + ": " + e.Message);
            return Problem(503, "Service unavailable", "The events could not be queued; retry later.");
        }
        return ok();
    }

    /// <summary>
    /// Reads the whole body, at most <see cref="MaxBodyBytes"/>. With a Content-Length (Event Grid, Twilio and Meta send
    /// one) the bytes go straight into an array of that size; without one (chunked) they are gathered in a pooled buffer.
    /// </summary>
    internal static async Task<(ReadOnlyMemory<byte> Body, IResult? TooLarge)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (default, TooLarge());
        }
        var filled = 0;
        byte[] body = request.ContentLength is { } length ? new byte[length] : [];
        while (filled < body.Length)
        {
            var read = await request.Body.ReadAsync(body.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return (body.AsMemory(0, filled), null); // shorter than announced: what arrived
            }
            filled += read;
        }
        // No length (or the stream has more than it announced): gather the rest in a pooled buffer, still capped.
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is null ? 4096 : 1);
        try
        {
            var pending = 0;
            int got;
            while ((got = await request.Body.ReadAsync(buffer.AsMemory(pending), cancellationToken)) > 0)
            {
                pending += got;
                if (filled + pending > MaxBodyBytes)
                {
                    return (default, TooLarge());
                }
                if (pending == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, pending).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            if (pending == 0)
            {
                return (body, null);
            }
            var all = new byte[filled + pending];
            body.AsSpan(0, filled).CopyTo(all);
            buffer.AsSpan(0, pending).CopyTo(all.AsSpan(filled));
            return (all, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        static IResult TooLarge() => Problem(413, "Body too large", $"The body may be at most {MaxBodyBytes} bytes.");
    }

    /// <summary>
    /// A signed body whose strings are not valid text (invalid UTF-8, an escaped lone surrogate): JsonDocument checks the
    /// structure but not the text inside strings, and reading such a string throws; so the text is checked first (only
    /// once the signature holds, so an unsigned request stays a 401).
    /// </summary>
    private static readonly InboundParseResult NotUtf8 = InboundParseResult.Malformed("The body is not valid UTF-8 text.");

    private static IResult Unauthorized(string function) =>
        Problem(401, "Unauthorized", $"{function} accepts only requests signed with this app's configured secret.");

    private static IResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
