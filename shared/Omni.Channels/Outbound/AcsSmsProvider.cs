using Azure;
using Azure.Core;
using Microsoft.Extensions.Configuration;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Sms;
using Omni.Core.Contacts;

namespace Omni.Channels.Outbound;

/// <summary>ACS SMS settings: <c>AcsSms__From</c>, and <c>AcsConnection</c> (or <c>AcsConnection__endpoint</c>) for the client.</summary>
public sealed class AcsSmsOptions
{
    /// <summary>The ACS sender number (E.164) or alphanumeric sender id.</summary>
    public string? From { get; init; }

    /// <summary>Whether an ACS connection (connection string or endpoint) is configured.</summary>
    public bool HasConnection { get; init; }

    /// <summary>True when both the sender and the connection are set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(From) && HasConnection;

    /// <summary>Reads <c>AcsSms__From</c>, <c>AcsConnection</c> and <c>AcsConnection__endpoint</c>.</summary>
    public static AcsSmsOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new AcsSmsOptions
        {
            From = ConfigValues.Trimmed(configuration["AcsSms:From"]),
            HasConnection = AcsConnectionSettings.IsPresent(configuration),
        };
    }

    /// <summary>
    /// Client options for the <see cref="SmsClient"/> this provider uses (<see cref="AcsClientDefaults"/>: no pipeline retries —
    /// for SMS a hidden timed-out first attempt behind a clean-looking 503 could make failover double-send — and a network
    /// timeout of <paramref name="networkTimeout"/>, default 30 s).
    /// </summary>
    public static SmsClientOptions CreateClientOptions(TimeSpan? networkTimeout = null) => AcsClientDefaults.Apply(new SmsClientOptions(), networkTimeout);
}

/// <summary>Whether the ACS connection settings exist (connection string or endpoint for managed identity).</summary>
internal static class AcsConnectionSettings
{
    public static bool IsPresent(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["AcsConnection"]) || !string.IsNullOrWhiteSpace(configuration["AcsConnection:endpoint"]);
}

/// <summary>
/// SMS through Azure Communication Services (<c>POST {endpoint}/sms?api-version=2021-03-07</c>) with delivery reports on,
/// <c>tag</c> = the idempotency key, and a repeatability id derived from the idempotency key so that ACS executes a retried
/// send at most once. First-sent is the time of this call: ACS keys duplicates on the id and rejects first-sent values
/// outside its tracking window, so a fixed, old value would turn a late redelivery into a rejection.
/// </summary>
public sealed class AcsSmsProvider : ISmsProvider
{
    private readonly AcsSmsOptions _options;
    private readonly SmsClient? _client;
    private readonly TimeProvider _timeProvider;

    /// <param name="client">Null when ACS is not configured (the provider then reports <see cref="IsConfigured"/> false).
    /// Build it with <see cref="AcsSmsOptions.CreateClientOptions"/>.</param>
    public AcsSmsProvider(AcsSmsOptions options, SmsClient? client, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _client = client;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public string Name => "acs";

    /// <inheritdoc />
    public bool IsConfigured => _options.IsConfigured && _client is not null;

    /// <inheritdoc />
    public async Task<SmsProviderResult> SendAsync(ChannelSendRequest request, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsConfigured)
        {
            return new SmsProviderResult(ProviderVerdict.NotAccepted, Transient: false, Error: "acs: not configured");
        }

        var options = new SmsSendOptions(enableDeliveryReport: true)
        {
            Tag = request.IdempotencyKey,
            Repeatability = new RepeatableRequest(DeterministicGuid.Create("acs-sms", request.IdempotencyKey), _timeProvider.GetUtcNow()),
        };

        Response<SmsSendResult> response;
        try
        {
            response = await _client!.SendAsync(_options.From!, request.To, text, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 0)
        {
            return FromTransportFailure(ex);
        }
        catch (RequestFailedException ex)
        {
            return FromWholeRequestFailure(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return FromTransportFailure(ex);
        }
        catch (HttpRequestException ex)
        {
            return FromTransportFailure(ex);
        }

        return FromRecipientResult(response.Value);
    }

    private static SmsProviderResult FromRecipientResult(SmsSendResult result)
    {
        if (result.Successful)
        {
            return new SmsProviderResult(ProviderVerdict.Accepted, false, result.MessageId, StatusCode: result.HttpStatusCode);
        }

        int status = result.HttpStatusCode;
        string error = $"acs {status}" + (ErrorText.Sanitize(result.ErrorMessage) is { } message ? ": " + message : string.Empty);
        if (string.Equals(result.RepeatabilityResult, "rejected", StringComparison.OrdinalIgnoreCase))
        {
            // Not executed: the repeatability fields were refused (e.g. a clock far off); nothing was sent under this request.
            return new SmsProviderResult(ProviderVerdict.NotAccepted, false, Error: error, StatusCode: status, ErrorCode: "RepeatabilityRejected");
        }

        return status switch
        {
            // Per-recipient 400 is ACS's answer for the number itself ("Invalid To phone number format.", "Sender blocked
            // for given recipient.", ...).
            400 => new SmsProviderResult(ProviderVerdict.RecipientRefused, false, Error: error, StatusCode: status,
                Refusal: AddressRefusals.ForAcsSms(result.ErrorMessage)),
            429 or 502 or 503 => new SmsProviderResult(ProviderVerdict.NotAccepted, true, Error: error, StatusCode: status),
            408 or 409 or >= 500 or 0 => new SmsProviderResult(ProviderVerdict.Ambiguous, true, Error: error, StatusCode: status),
            _ => new SmsProviderResult(ProviderVerdict.NotAccepted, false, Error: error, StatusCode: status),
        };
    }

    private SmsProviderResult FromWholeRequestFailure(RequestFailedException ex)
    {
        int status = ex.Status;
        string error = AcsFailure.Describe(ex);
        TimeSpan? retryAfter = RetryAfter.Parse(ex.GetRawResponse(), _timeProvider.GetUtcNow());
        return status switch
        {
            400 when LooksLikeRecipientError(ex) =>
                new SmsProviderResult(ProviderVerdict.RecipientRefused, false, Error: error, StatusCode: status, ErrorCode: ex.ErrorCode),
            429 or 502 or 503 =>
                new SmsProviderResult(ProviderVerdict.NotAccepted, true, Error: error, RetryAfter: retryAfter, StatusCode: status, ErrorCode: ex.ErrorCode),
            408 or 409 or >= 500 =>
                new SmsProviderResult(ProviderVerdict.Ambiguous, true, Error: error, RetryAfter: retryAfter, StatusCode: status, ErrorCode: ex.ErrorCode),
            _ => new SmsProviderResult(ProviderVerdict.NotAccepted, false, Error: error, StatusCode: status, ErrorCode: ex.ErrorCode),
        };
    }

    private static bool LooksLikeRecipientError(RequestFailedException ex)
    {
        string code = ex.ErrorCode ?? string.Empty;
        string message = ex.Message;
        return code.Contains("Recipient", StringComparison.OrdinalIgnoreCase) ||
            code.Contains("InvalidTo", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("To phone number", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("recipient", StringComparison.OrdinalIgnoreCase);
    }

    private static SmsProviderResult FromTransportFailure(Exception ex) =>
        TransportFailure.NeverSent(ex)
            ? new SmsProviderResult(ProviderVerdict.NotAccepted, true, Error: "acs " + TransportFailure.Describe(ex))
            : new SmsProviderResult(ProviderVerdict.Ambiguous, true, Error: "acs " + TransportFailure.Describe(ex));
}
