using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>
/// Meta webhooks (function MetaWebhook): the GET subscription verification, the <c>X-Hub-Signature-256</c> check and the
/// mapping of WhatsApp Cloud API messages/statuses and Messenger/Instagram messages to <see cref="InboundEvent"/>s.
/// </summary>
/// <remarks>
/// <see cref="Channel"/> has no Messenger or Instagram channel: their messages map to <see cref="Channel.InApp"/> (a chat
/// with a platform-scoped user id), and the platform is kept in the id: "meta:messenger:{mid}", "meta:instagram:{mid}".
/// WhatsApp ids are "meta:{wamid}" (message) and "meta:{wamid}:{status}" (status).
/// </remarks>
public static class MetaWebhook
{
    public const string Provider = "meta";
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <summary>
    /// The GET handshake: the challenge to echo (200 text/plain) when <paramref name="mode"/> is "subscribe" and the token
    /// equals the configured one (constant-time); null means 403.
    /// </summary>
    public static string? VerifySubscription(string? configuredVerifyToken, string? mode, string? verifyToken, string? challenge)
    {
        var tokenMatches = WebhookCrypto.SecretEquals(configuredVerifyToken, verifyToken);
        return tokenMatches && mode == "subscribe" && !string.IsNullOrEmpty(challenge) ? challenge : null;
    }

    /// <summary>
    /// True when <paramref name="header"/> is "sha256=" + the lower-case hex HMAC-SHA256 of the raw body under the app
    /// secret (upper-case hex is accepted too). Constant-time.
    /// </summary>
    public static bool IsValidSignature(string? appSecret, ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrEmpty(appSecret) || header is null || !header.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var expected = WebhookCrypto.HmacSha256Hex(appSecret, body);
        return WebhookCrypto.SecretEquals(expected, header["sha256=".Length..].Trim().ToLowerInvariant());
    }

    /// <summary>Verifies the signature, then parses: Unauthorized before anything is read from an unsigned body.</summary>
    public static InboundParseResult VerifyAndParse(string? appSecret, ReadOnlyMemory<byte> body, string? signatureHeader, DateTimeOffset receivedAt)
    {
        if (string.IsNullOrEmpty(appSecret))
        {
            return InboundParseResult.Unauthorized("Meta__AppSecret is not configured.");
        }
        return IsValidSignature(appSecret, body.Span, signatureHeader)
            ? Parse(body, receivedAt)
            : InboundParseResult.Unauthorized($"Missing or wrong {SignatureHeader}.");
    }

    /// <summary>Parses a (verified) notification; one POST can carry many entries, changes, messages and statuses.</summary>
    public static InboundParseResult Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt)
    {
        if (!JsonReading.TryParse(body, out var document))
        {
            return InboundParseResult.Malformed("The body is not valid JSON.");
        }
        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.String("object") is not { } kind || root.Property("entry") is not { ValueKind: JsonValueKind.Array })
            {
                return InboundParseResult.Malformed("The body must be an object with \"object\" and an \"entry\" array.");
            }
            var events = new List<InboundEvent>();
            var ignored = new List<string>();
            foreach (var entry in root.Array("entry"))
            {
                switch (kind)
                {
                    case "whatsapp_business_account":
                        WhatsApp(entry, receivedAt, events, ignored);
                        break;
                    case "page":
                        Messaging(entry, "messenger", receivedAt, events, ignored);
                        break;
                    case "instagram":
                        Messaging(entry, "instagram", receivedAt, events, ignored);
                        break;
                    default:
                        ignored.Add($"unsupported object {AcsEventGridWebhook.Safe(kind)}");
                        break;
                }
            }
            return InboundParseResult.From(events, ignored);
        }
    }

    private static void WhatsApp(JsonElement entry, DateTimeOffset receivedAt, List<InboundEvent> events, List<string> ignored)
    {
        foreach (var change in entry.Array("changes"))
        {
            if (change.String("field") is { } field && field != "messages")
            {
                ignored.Add($"unsupported field {AcsEventGridWebhook.Safe(field)}");
                continue;
            }
            if (change.Object("value") is not { } value)
            {
                ignored.Add("change without value");
                continue;
            }
            var business = value.Object("metadata").String("display_phone_number");
            foreach (var message in value.Array("messages"))
            {
                var id = message.String("id");
                var from = message.String("from");
                if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(from))
                {
                    ignored.Add("whatsapp message without id or from");
                    continue;
                }
                events.Add(new InboundEvent
                {
                    Id = InboundEventIds.Create(Provider, id), Kind = InboundEventKind.Message, Provider = Provider,
                    Channel = Channel.WhatsApp, ProviderMessageId = id,
                    From = ProviderAddresses.Phone(from), To = ProviderAddresses.Phone(business),
                    Text = WhatsAppText(message),
                    OccurredAt = JsonReading.UnixSeconds(message.String("timestamp")) ?? receivedAt, ReceivedAt = receivedAt,
                });
            }
            foreach (var status in value.Array("statuses"))
            {
                var id = status.String("id");
                var name = status.String("status")?.Trim().ToLowerInvariant();
                AttemptStatus? mapped = name switch
                {
                    "sent" => AttemptStatus.Sent,
                    "delivered" => AttemptStatus.Delivered,
                    "read" => AttemptStatus.Read,
                    "failed" => AttemptStatus.Failed,
                    _ => null, // deleted, warning, ...
                };
                if (string.IsNullOrWhiteSpace(id) || mapped is null)
                {
                    ignored.Add($"whatsapp status without id or with unsupported status {AcsEventGridWebhook.Safe(name ?? "")}");
                    continue;
                }
                events.Add(new InboundEvent
                {
                    Id = InboundEventIds.Create(Provider, id, name!), Kind = InboundEventKind.Delivery, Provider = Provider,
                    Channel = Channel.WhatsApp, ProviderMessageId = id, Status = mapped,
                    Error = mapped == AttemptStatus.Failed ? WhatsAppError(status) : null,
                    OccurredAt = JsonReading.UnixSeconds(status.String("timestamp")) ?? receivedAt, ReceivedAt = receivedAt,
                });
            }
        }
    }

    private static void Messaging(JsonElement entry, string platform, DateTimeOffset receivedAt, List<InboundEvent> events, List<string> ignored)
    {
        foreach (var item in entry.Array("messaging"))
        {
            if (item.Object("message") is not { } message)
            {
                ignored.Add($"{platform} messaging item that is not a message (delivery, read, postback, ...)");
                continue;
            }
            if (message.Property("is_echo") is { ValueKind: JsonValueKind.True })
            {
                ignored.Add($"{platform} echo of a message the page sent");
                continue;
            }
            var mid = message.String("mid");
            var sender = item.Object("sender").String("id");
            if (string.IsNullOrWhiteSpace(mid) || string.IsNullOrWhiteSpace(sender))
            {
                ignored.Add($"{platform} message without mid or sender");
                continue;
            }
            events.Add(new InboundEvent
            {
                Id = InboundEventIds.Create(Provider, platform, mid), Kind = InboundEventKind.Message, Provider = Provider,
                Channel = Channel.InApp, ProviderMessageId = mid,
                From = sender, To = item.Object("recipient").String("id"), Text = message.String("text"),
                OccurredAt = JsonReading.UnixMilliseconds(item.String("timestamp")) ?? receivedAt, ReceivedAt = receivedAt,
            });
        }
    }

    private static string? WhatsAppText(JsonElement message)
    {
        if (message.Object("text").String("body") is { } body)
        {
            return body;
        }
        if (message.Object("button").String("text") is { } button)
        {
            return button;
        }
        if (message.Object("interactive") is { } interactive)
        {
            return interactive.Object("button_reply").String("title") ?? interactive.Object("list_reply").String("title");
        }
        var type = message.String("type");
        return type is null ? null : message.Object(type).String("caption");
    }

    private static string WhatsAppError(JsonElement status)
    {
        foreach (var error in status.Array("errors"))
        {
            var parts = new[] { error.String("code"), error.String("title") }.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
            if (parts.Length > 0)
            {
                return string.Join(": ", parts);
            }
        }
        return "failed";
    }
}
