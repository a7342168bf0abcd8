using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>
/// Twilio messaging webhooks (function TwilioWebhook): the <c>X-Twilio-Signature</c> check and the mapping of inbound
/// SMS/WhatsApp messages and status callbacks to <see cref="InboundEvent"/>s.
/// </summary>
public static class TwilioWebhook
{
    public const string Provider = "twilio";
    public const string SignatureHeader = "X-Twilio-Signature";

    /// <summary>
    /// Parses an <c>application/x-www-form-urlencoded</c> body into its parameters, in order, repeated keys kept
    /// ("+" is a space; percent-escapes are UTF-8). Null when the body is not form-encoded text.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? ParseForm(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            try
            {
                result.Add(new(Decode(key), Decode(value)));
            }
            catch (UriFormatException)
            {
                return null;
            }
        }
        return result;

        static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    /// <summary>
    /// The string Twilio signs for a form POST: the URL, then every parameter as key + value with no separators, keys in
    /// ordinal order (a repeated key: its distinct values in ordinal order).
    /// </summary>
    public static string StringToSign(string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(group.Key).Append(value);
            }
        }
        return data.ToString();
    }

    /// <summary>base64(HMAC-SHA1(UTF-8 auth token, UTF-8 string to sign)).</summary>
    public static string ComputeSignature(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(StringToSign(url, parameters))));

    /// <summary>
    /// Checks a form-encoded request's signature against each candidate public URL, each with and without its default
    /// port (Twilio's own validators accept both). Constant-time per comparison.
    /// </summary>
    public static bool IsValidFormRequest(string? authToken, IEnumerable<string> candidateUrls, IReadOnlyList<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(authToken) || string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var valid = false;
        foreach (var url in candidateUrls.SelectMany(PortVariants).Distinct(StringComparer.Ordinal))
        {
            // No early exit: every candidate is computed, so timing says nothing about which one matched.
            valid |= SignatureEquals(ComputeSignature(authToken, url, parameters), signature);
        }
        return valid;
    }

    /// <summary>
    /// Checks a JSON-body request: the URL carries <c>bodySHA256</c> = lower-case hex SHA-256 of the raw body, and the
    /// signature covers the URL only.
    /// </summary>
    public static bool IsValidJsonRequest(string? authToken, IEnumerable<string> candidateUrls, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrEmpty(authToken) || string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var bodyHash = WebhookCrypto.Sha256Hex(body);
        var valid = false;
        foreach (var url in candidateUrls.SelectMany(PortVariants).Distinct(StringComparer.Ordinal))
        {
            var declared = QueryValue(url, "bodySHA256");
            var urlSigned = SignatureEquals(ComputeSignature(authToken, url, []), signature);
            var bodyMatches = declared is not null && WebhookCrypto.SecretEquals(declared.ToLowerInvariant(), bodyHash);
            valid |= urlSigned & bodyMatches;
        }
        return valid;
    }

    /// <summary>The URL as given, with its default port made explicit, and with it removed.</summary>
    public static IEnumerable<string> PortVariants(string url)
    {
        yield return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield break;
        }
        var defaultPort = uri.Scheme == "https" ? 443 : 80;
        if (uri.Port != defaultPort)
        {
            yield break;
        }
        // Rebuilt from the original text, not from Uri, so escaping and case stay exactly as Twilio signed them.
        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }
        var authority = url[authorityStart..authorityEnd];
        var suffix = ":" + defaultPort;
        var other = authority.EndsWith(suffix, StringComparison.Ordinal)
            ? authority[..^suffix.Length]
            : authority + suffix;
        yield return url[..authorityStart] + other + url[authorityEnd..];
    }

    /// <summary>
    /// Maps a verified request's parameters: a status callback (<c>MessageStatus</c> present) → Delivery with id
    /// "twilio:{MessageSid}:{MessageStatus}"; otherwise an inbound message → Message with id "twilio:{MessageSid}". A
    /// <c>From</c> with the <c>whatsapp:</c> prefix means channel WhatsApp. <paramref name="callbackQuery"/> is the query
    /// of the URL Twilio called <b>and signed</b>: Omni's status callback URL carries <c>m</c> (message id) and <c>s</c>
    /// (step) (<see cref="Twilio.TwilioCallbackHints"/>), which become <see cref="InboundEvent.OmniMessageId"/> and
    /// <see cref="InboundEvent.OmniStep"/> of a Delivery. Never pass parameters from the body as the query.
    /// </summary>
    public static InboundParseResult Parse(IReadOnlyList<KeyValuePair<string, string>> parameters, DateTimeOffset receivedAt,
        IEnumerable<KeyValuePair<string, string>>? callbackQuery = null)
    {
        string? Get(string key) => parameters.FirstOrDefault(p => p.Key == key).Value;

        var sid = Get("MessageSid") ?? Get("SmsMessageSid") ?? Get("SmsSid");
        if (string.IsNullOrWhiteSpace(sid) || sid.Length > 64 || sid.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            return InboundParseResult.Malformed("MessageSid is missing or not a Twilio SID.");
        }
        var from = Get("From");
        var to = Get("To");
        var whatsApp = (from ?? "").StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase)
            || (to ?? "").StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase);
        var channel = whatsApp ? Channel.WhatsApp : Channel.Sms;

        if (Get("MessageStatus") is { } rawStatus)
        {
            var status = rawStatus.Trim().ToLowerInvariant();
            AttemptStatus? mapped = status switch
            {
                "queued" or "accepted" or "scheduled" => AttemptStatus.Queued,
                "sending" or "sent" => AttemptStatus.Sent,
                "delivered" => AttemptStatus.Delivered,
                "read" => AttemptStatus.Read,
                "undelivered" or "failed" => AttemptStatus.Failed,
                _ => null, // receiving, received, partially_delivered, canceled
            };
            if (mapped is null)
            {
                return InboundParseResult.From([], [$"status callback with unsupported MessageStatus {AcsEventGridWebhook.Safe(status)}"]);
            }
            string? error = null;
            if (mapped == AttemptStatus.Failed)
            {
                var code = Get("ErrorCode");
                var message = Get("ErrorMessage");
                error = string.Join(": ", new[] { code, message }.Where(s => !string.IsNullOrWhiteSpace(s)));
                error = error.Length == 0 ? status : error;
            }
            var hints = callbackQuery is null ? null : Twilio.TwilioCallbackHints.Read(callbackQuery);
            return InboundParseResult.From([new InboundEvent
            {
                Id = InboundEventIds.Create(Provider, sid, status),
                Kind = InboundEventKind.Delivery, Provider = Provider, Channel = channel,
                ProviderMessageId = sid, Status = mapped, Error = error,
                OmniMessageId = hints?.MessageId, OmniStep = hints?.Step,
                OccurredAt = receivedAt, ReceivedAt = receivedAt,
            }], []);
        }

        if (string.IsNullOrWhiteSpace(from))
        {
            return InboundParseResult.Malformed("An inbound message needs From.");
        }
        return InboundParseResult.From([new InboundEvent
        {
            Id = InboundEventIds.Create(Provider, sid),
            Kind = InboundEventKind.Message, Provider = Provider, Channel = channel,
            ProviderMessageId = sid,
            From = ProviderAddresses.Phone(from), To = ProviderAddresses.Phone(to), Text = Get("Body"),
            OccurredAt = receivedAt, ReceivedAt = receivedAt,
        }], []);
    }

    /// <summary>A JSON-body webhook's top-level string/number/bool properties as parameters, for <see cref="Parse"/>. Null when it is not a JSON object.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? ParseJsonParameters(ReadOnlyMemory<byte> body)
    {
        if (!JsonReading.TryParse(body, out var document))
        {
            return null;
        }
        using (document)
        {
            if (document!.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            return document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
                .ToList();
        }
    }

    private static bool SignatureEquals(string computed, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(presented.Trim()));

    private static string? QueryValue(string url, string name)
    {
        var query = url.IndexOf('?');
        if (query < 0)
        {
            return null;
        }
        var end = url.IndexOf('#', query);
        var text = end < 0 ? url[(query + 1)..] : url[(query + 1)..end];
        foreach (var pair in text.Split('&'))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && pair[..equals] == name)
            {
                return pair[(equals + 1)..];
            }
        }
        return null;
    }
}
