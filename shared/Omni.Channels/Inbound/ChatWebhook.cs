using System.Globalization;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>
/// Messages from the app's own chat, posted by the app's backend on behalf of its widget (function ChatWebhook): the
/// secret must stay server-side, since whoever holds it can post as any user. The sender signs
/// <c>X-Omni-Signature: t={unix seconds},v1={hex HMAC-SHA256(Chat__Secret, "{t}.{raw body}")}</c>; the body is
/// <c>{"id", "userId", "text", "sentAt"}</c>.
/// </summary>
public static class ChatWebhook
{
    public const string Provider = "chat";
    public const string SignatureHeader = "X-Omni-Signature";

    /// <summary>How far the signed time may be from now, either way: a captured request cannot be replayed later.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    public const int MaxIdLength = 100;

    /// <summary>The header value for a body, as a sender computes it (also used by tests and the DevHost).</summary>
    public static string Sign(string secret, DateTimeOffset time, ReadOnlySpan<byte> body)
    {
        var t = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={WebhookCrypto.HmacSha256Hex(secret, SignedPayload(t, body))}";
    }

    /// <summary>
    /// Checks the header: a <c>t</c> within <see cref="ReplayWindow"/> of <paramref name="now"/> and a <c>v1</c> that
    /// matches (several v1 values are allowed, for key rotation). Constant-time per comparison.
    /// </summary>
    public static bool IsValidSignature(string? secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, out string reason)
    {
        reason = "";
        if (string.IsNullOrEmpty(secret))
        {
            reason = "Chat__Secret is not configured.";
            return false;
        }
        if (string.IsNullOrWhiteSpace(header))
        {
            reason = $"Missing {SignatureHeader}.";
            return false;
        }
        string? t = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }
            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key == "t")
            {
                t = value;
            }
            else if (key == "v1")
            {
                signatures.Add(value.ToLowerInvariant());
            }
        }
        if (t is null || signatures.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            reason = $"{SignatureHeader} must be t={{unix seconds}},v1={{hex}}.";
            return false;
        }
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > ReplayWindow)
        {
            reason = "The signature time is outside the 5-minute window (replay or clock skew).";
            return false;
        }
        var expected = WebhookCrypto.HmacSha256Hex(secret, SignedPayload(t, body));
        var valid = false;
        foreach (var signature in signatures)
        {
            valid |= WebhookCrypto.SecretEquals(expected, signature);
        }
        if (!valid)
        {
            reason = $"Wrong {SignatureHeader}.";
        }
        return valid;
    }

    /// <summary>Verifies, then parses.</summary>
    public static InboundParseResult VerifyAndParse(string? secret, string? header, ReadOnlyMemory<byte> body, DateTimeOffset now)
    {
        return IsValidSignature(secret, header, body.Span, now, out var reason)
            ? Parse(body, now)
            : InboundParseResult.Unauthorized(reason);
    }

    /// <summary>Parses a (verified) body into one Message event "chat:{id}" on channel in-app, From = userId.</summary>
    public static InboundParseResult Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt)
    {
        if (!JsonReading.TryParse(body, out var document))
        {
            return InboundParseResult.Malformed("The body is not valid JSON.");
        }
        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return InboundParseResult.Malformed("The body must be a JSON object.");
            }
            var id = root.Property("id") is { ValueKind: JsonValueKind.String } i ? i.GetString() : null;
            if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength || id.Any(char.IsControl))
            {
                return InboundParseResult.Malformed($"\"id\" must be a string of 1 to {MaxIdLength} characters without control characters.");
            }
            var user = root.Property("userId") is { ValueKind: JsonValueKind.String } u ? u.GetString() : null;
            if (!AddressNormalizer.TryNormalize(Channel.InApp, user, null, out var from, out _))
            {
                return InboundParseResult.Malformed($"\"userId\" must be an in-app user id of 1 to {AddressNormalizer.MaxInAppIdLength} characters.");
            }
            if (root.Property("text") is not { ValueKind: JsonValueKind.String } text)
            {
                return InboundParseResult.Malformed("\"text\" must be a string.");
            }
            DateTimeOffset? sentAt = null;
            if (root.Property("sentAt") is { } sent && sent.ValueKind != JsonValueKind.Null)
            {
                if (sent.ValueKind != JsonValueKind.String || !sent.TryGetDateTimeOffset(out var parsed))
                {
                    return InboundParseResult.Malformed("\"sentAt\" must be an ISO 8601 date-time.");
                }
                sentAt = parsed;
            }
            return InboundParseResult.From([new InboundEvent
            {
                Id = InboundEventIds.Create(Provider, id), Kind = InboundEventKind.Message, Provider = Provider,
                Channel = Channel.InApp, ProviderMessageId = id, From = from, Text = text.GetString(),
                OccurredAt = sentAt ?? receivedAt, ReceivedAt = receivedAt,
            }], []);
        }
    }

    private static byte[] SignedPayload(string t, ReadOnlySpan<byte> body)
    {
        var prefix = System.Text.Encoding.ASCII.GetBytes(t + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return data;
    }
}
