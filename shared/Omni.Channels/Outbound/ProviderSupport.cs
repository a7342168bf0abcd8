using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Microsoft.Extensions.Logging;
using Omni.Core.Messages;

namespace Omni.Channels.Outbound;

/// <summary>Name-based GUIDs derived from Omni's idempotency key, so a redelivered send reuses the provider's idempotency id.</summary>
public static class DeterministicGuid
{
    /// <summary>
    /// A UUID (version 8, RFC 9562) from SHA-256 over <c>"{purpose}\n{key}"</c>: the same inputs always give the same id, and
    /// different purposes (e.g. <c>acs-sms</c>, <c>acs-email</c>) never share one.
    /// </summary>
    public static Guid Create(string purpose, string key)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(key);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(purpose + "\n" + key));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// <summary>
/// What every ACS client Omni builds is configured with: <b>no pipeline retries</b> (Service Bus redelivery is the retry, so
/// every HTTP answer is seen and classified — a 503 after a hidden timed-out first attempt must not look like a clean
/// refusal) and a network timeout of 30 s (Azure.Core's default is 100 s per try, with 3 retries: an invocation could
/// then outlive its queue lock and a redelivery run beside it).
/// </summary>
public static class AcsClientDefaults
{
    /// <summary>The network timeout of one ACS call.</summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Applies the defaults to <paramref name="options"/>; <paramref name="networkTimeout"/> overrides the 30 s (tests).</summary>
    public static TOptions Apply<TOptions>(TOptions options, TimeSpan? networkTimeout = null)
        where TOptions : global::Azure.Core.ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = networkTimeout ?? NetworkTimeout;
        return options;
    }
}

/// <summary>Where a failed provider call stands: whether the provider can have accepted the message.</summary>
internal static class TransportFailure
{
    /// <summary>
    /// True when the request certainly never reached the provider: the name did not resolve or the TCP/TLS connection was
    /// not established. Anything else (timeouts, resets, a broken response) may have come after the provider acted.
    /// </summary>
    public static bool NeverSent(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException http &&
                http.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError)
            {
                return true;
            }

            if (current is SocketException socket &&
                socket.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                    or SocketError.NetworkUnreachable or SocketError.NoData or SocketError.TryAgain)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A short, address-free description of a transport failure for <see cref="SendResult.Error"/>.</summary>
    public static string Describe(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http)
            {
                return "network: " + http.HttpRequestError;
            }

            if (current is SocketException socket)
            {
                return "network: " + socket.SocketErrorCode;
            }

            if (current is OperationCanceledException or TimeoutException)
            {
                return "network: timeout";
            }
        }

        return "network: " + exception.GetType().Name;
    }
}

/// <summary>Reads the delay a provider asked for before the next attempt.</summary>
internal static class RetryAfter
{
    /// <summary><c>retry-after-ms</c>/<c>x-ms-retry-after-ms</c> (ms) or <c>Retry-After</c> (seconds or HTTP-date); null when absent.</summary>
    public static TimeSpan? Parse(Func<string, string?> header, DateTimeOffset now)
    {
        foreach (string name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (double.TryParse(header(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
            {
                return ms <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(ms);
            }
        }

        string? value = header("Retry-After")?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
        {
            TimeSpan wait = at - now;
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    public static TimeSpan? Parse(HttpResponseMessage response, DateTimeOffset now) =>
        Parse(name => response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null, now);

    public static TimeSpan? Parse(Response? response, DateTimeOffset now) =>
        response is null ? null : Parse(name => response.Headers.TryGetValue(name, out string? value) ? value : null, now);
}

/// <summary>Keeps provider error texts free of personal data before they reach <see cref="SendResult.Error"/> or the log.</summary>
public static partial class ErrorText
{
    /// <summary>
    /// Replaces anything that looks like a phone number (6+ digits, optionally with <c>+ ( ) - .</c> and spaces) or an e-mail
    /// address with a placeholder, and trims to 300 characters. Provider messages such as Twilio's
    /// <c>"The 'To' number +15005550001 is not a valid phone number."</c> echo the recipient.
    /// </summary>
    public static string? Sanitize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string cleaned = EmailPattern().Replace(text, "[email]");
        cleaned = PhonePattern().Replace(cleaned, "[number]");
        cleaned = cleaned.ReplaceLineEndings(" ").Trim();
        return cleaned.Length <= 300 ? cleaned : cleaned[..300];
    }

    [GeneratedRegex(@"[^\s@<>""']+@[^\s@<>""']+", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\+?\d[\d\s().\-]{4,}\d", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();
}

/// <summary>Shared classification of Azure Communication Services failures for single-provider channels.</summary>
internal static class AcsFailure
{
    /// <summary>
    /// 408, 409 (a duplicate still in progress), 429 and 5xx are worth retrying with the same repeatability/operation id;
    /// other 4xx (bad request, unauthorised, forbidden, not found) are not.
    /// </summary>
    public static bool IsTransientStatus(int status) => status is 0 or 408 or 409 or 429 or >= 500;

    /// <summary>"acs {status} {code}: {message}" without personal data.</summary>
    public static string Describe(RequestFailedException exception)
    {
        string code = string.IsNullOrEmpty(exception.ErrorCode) ? string.Empty : " " + exception.ErrorCode;
        string? message = ErrorText.Sanitize(FirstLine(exception.Message));
        return $"acs {exception.Status}{code}" + (message is null ? string.Empty : ": " + message);
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        return newline < 0 ? text : text[..newline];
    }
}

/// <summary>Small helpers for reading flat configuration values.</summary>
internal static class ConfigValues
{
    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static bool Bool(string? value, bool fallback) =>
        bool.TryParse(value, out bool parsed) ? parsed : fallback;

    public static TimeSpan Seconds(string? value, TimeSpan fallback) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : fallback;

    public static Uri? AbsoluteHttpUri(string? value) =>
        Uri.TryCreate(Trimmed(value), UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;

    /// <summary><paramref name="baseUri"/> without a trailing slash, then <paramref name="path"/> (which starts with '/').</summary>
    public static string Combine(Uri baseUri, string path) => baseUri.AbsoluteUri.TrimEnd('/') + path;
}

/// <summary>The one log template every sender uses: identifiers and codes only, never addresses or text.</summary>
internal static class LogFields
{
    public const string Outcome = "Provider {Provider} {Outcome} message {MessageId} step {Step}: status {StatusCode}, error code {ErrorCode}";
}

/// <summary>
/// The answers of a sender with one ACS provider (Email, WhatsApp): accepted, or refused — each logged without personal
/// data and recorded as a <see cref="ProviderTry"/> — and the classification of the exceptions an ACS call throws.
/// </summary>
internal sealed class AcsOutcomes(string provider, ILogger logger, TimeProvider timeProvider)
{
    public SendResult Accepted(ChannelSendRequest request, string? providerMessageId, int status)
    {
        logger.LogInformation(LogFields.Outcome, provider, "accepted", request.MessageId, request.Step, status, null);
        return new SendResult(SendOutcome.Accepted, provider, string.IsNullOrEmpty(providerMessageId) ? null : providerMessageId, AttemptStatus.Queued,
            null, null, null, null, null, [new ProviderTry(provider, "accepted", timeProvider.GetUtcNow())]);
    }

    public SendResult Refused(ChannelSendRequest request, string error, bool transient, int? status, string? code, TimeSpan? retryAfter)
    {
        string outcome = transient ? "transient" : "permanent";
        logger.LogWarning(LogFields.Outcome, provider, outcome, request.MessageId, request.Step, status, code);
        return new SendResult(transient ? SendOutcome.Transient : SendOutcome.Permanent, provider, null,
            transient ? AttemptStatus.Pending : AttemptStatus.Failed, null, null, null, error, transient ? retryAfter : null,
            [new ProviderTry(provider, outcome, timeProvider.GetUtcNow(), error)]);
    }

    /// <summary>
    /// The refusal an exception of an ACS call stands for (an HTTP status from ACS, or a transport failure / timeout, both
    /// transient), or null for anything else (a cancellation by the caller, a bug), which must propagate.
    /// </summary>
    public SendResult? FromException(ChannelSendRequest request, Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException { Status: not 0 } failed => Refused(request, AcsFailure.Describe(failed), AcsFailure.IsTransientStatus(failed.Status),
            failed.Status, failed.ErrorCode, RetryAfter.Parse(failed.GetRawResponse(), timeProvider.GetUtcNow())),
        RequestFailedException or HttpRequestException => Refused(request, "acs " + TransportFailure.Describe(exception), true, null, null, null),
        OperationCanceledException when !cancellationToken.IsCancellationRequested => Refused(request, "acs " + TransportFailure.Describe(exception), true, null, null, null),
        _ => null,
    };
}
