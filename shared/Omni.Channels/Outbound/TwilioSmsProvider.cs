using System.Net;
using Omni.Core.Contacts;
using Omni.Channels.Twilio;

namespace Omni.Channels.Outbound;

/// <summary>
/// SMS through Twilio Programmable Messaging. Twilio has no idempotency key for message creation, so an ambiguous outcome
/// (timeout after sending, 500, 504, 408, 409, reset mid-response) is reported as <see cref="ProviderVerdict.Ambiguous"/>
/// and <see cref="DeduplicatesRetries"/> is false: the sender records the try as
/// <see cref="ProviderTryOutcomes.Unconfirmed"/> and the pipeline never sends the step again, waiting instead for the
/// status callback, whose URL names the Omni message and step (<see cref="TwilioOptions.StatusCallbackUrlFor"/>).
/// </summary>
public sealed class TwilioSmsProvider : ISmsProvider
{
    /// <summary>Twilio errors about the number itself; another provider would fail the same way.</summary>
    private static readonly Dictionary<int, string> RecipientErrors = new()
    {
        [21211] = "invalid 'To' phone number",
        [21217] = "'To' phone number does not appear to be valid",
        [21614] = "'To' number is not a valid mobile number",
        [21610] = "recipient unsubscribed (carrier-level STOP); the contact must reply START to receive SMS again",
    };

    private readonly TwilioOptions _options;
    private readonly TwilioMessagingClient? _client;
    private readonly TimeProvider _timeProvider;

    /// <param name="client">Null when Twilio is not configured.</param>
    public TwilioSmsProvider(TwilioOptions options, TwilioMessagingClient? client, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _client = client;
        _timeProvider = timeProvider;
    }

    /// <summary>Creates the provider and its client over <paramref name="httpClient"/> (no client when Twilio is not configured).</summary>
    public TwilioSmsProvider(TwilioOptions options, HttpClient httpClient, TimeProvider timeProvider)
        : this(options, options?.IsConfigured == true ? new TwilioMessagingClient(options, httpClient) : null, timeProvider)
    {
    }

    /// <inheritdoc />
    public string Name => "twilio";

    /// <inheritdoc />
    public bool IsConfigured => _options.IsConfigured && _client is not null;

    /// <summary>False: Twilio cannot recognise a repeated create-message call, so an ambiguous outcome must never be retried.</summary>
    public bool DeduplicatesRetries => false;

    /// <inheritdoc />
    public async Task<SmsProviderResult> SendAsync(ChannelSendRequest request, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsConfigured)
        {
            return new SmsProviderResult(ProviderVerdict.NotAccepted, false, Error: "twilio: not configured");
        }

        TwilioResponse response;
        try
        {
            response = await _client!.CreateMessageAsync(request.To, text, request.MessageId, request.Step, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return FromTransportFailure(ex);
        }
        catch (HttpRequestException ex)
        {
            return FromTransportFailure(ex);
        }

        return Classify(response, _timeProvider.GetUtcNow());
    }

    /// <summary>Maps Twilio's answer to a verdict (public for the DevHost sandbox and tests).</summary>
    public static SmsProviderResult Classify(TwilioResponse response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        int status = (int)response.StatusCode;
        if (response.IsSuccess)
        {
            TwilioMessage? message = response.Message;
            if (message is { Status: "failed" or "undelivered", ErrorCode: { } failedCode })
            {
                return Refusal(status, failedCode, message.ErrorMessage, retryAfter: null);
            }

            decimal? cost = message?.Price is { } price ? Math.Abs(price) : null;
            return new SmsProviderResult(ProviderVerdict.Accepted, false, message?.Sid, message?.NumSegments, cost,
                cost is null ? null : message?.PriceUnit?.ToUpperInvariant(), StatusCode: status);
        }

        TimeSpan? retryAfter = response.RetryAfterHeader is { } header
            ? RetryAfter.Parse(name => string.Equals(name, "Retry-After", StringComparison.OrdinalIgnoreCase) ? header : null, now)
            : null;
        return Refusal(status, response.Error?.Code, response.Error?.Message, retryAfter);
    }

    private static SmsProviderResult Refusal(int status, int? code, string? message, TimeSpan? retryAfter)
    {
        string error = Describe(status, code, message);
        string? errorCode = code?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (code is { } known && RecipientErrors.ContainsKey(known))
        {
            return new SmsProviderResult(ProviderVerdict.RecipientRefused, false, Error: error, StatusCode: status, ErrorCode: errorCode,
                Refusal: AddressRefusals.ForTwilio(known));
        }

        return status switch
        {
            (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.BadGateway or (int)HttpStatusCode.ServiceUnavailable =>
                new SmsProviderResult(ProviderVerdict.NotAccepted, true, Error: error, RetryAfter: retryAfter, StatusCode: status, ErrorCode: errorCode),
            (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.Conflict or >= 500 =>
                new SmsProviderResult(ProviderVerdict.Ambiguous, true, Error: error, RetryAfter: retryAfter, StatusCode: status, ErrorCode: errorCode),
            _ => new SmsProviderResult(ProviderVerdict.NotAccepted, false, Error: error, StatusCode: status, ErrorCode: errorCode),
        };
    }

    private static string Describe(int status, int? code, string? message)
    {
        if (code is { } known && RecipientErrors.TryGetValue(known, out string? description))
        {
            return $"twilio {known}: {description}";
        }

        string head = code is null ? $"twilio http {status}" : $"twilio {code}";
        return ErrorText.Sanitize(message) is { } clean ? $"{head}: {clean}" : head;
    }

    private static SmsProviderResult FromTransportFailure(Exception ex) =>
        TransportFailure.NeverSent(ex)
            ? new SmsProviderResult(ProviderVerdict.NotAccepted, true, Error: "twilio " + TransportFailure.Describe(ex))
            : new SmsProviderResult(ProviderVerdict.Ambiguous, true, Error: "twilio " + TransportFailure.Describe(ex));
}
