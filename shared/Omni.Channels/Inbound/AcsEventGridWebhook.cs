using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>
/// ACS events delivered by Event Grid, to the webhook (function AcsEvents) or to the <c>acs-events</c> Service Bus queue
/// (function AcsEventQueue, one event per message): the Event Grid schema (a JSON array, or a single object) and
/// CloudEvents 1.0 (a single object or a batch array), mapped to <see cref="InboundEvent"/>s. Property names are read
/// case-insensitively because the published samples mix <c>messageId</c>/<c>MessageId</c> and <c>deliveryStatus</c>/<c>DeliveryStatus</c>.
/// </summary>
/// <remarks>
/// Parsed with System.Text.Json rather than <c>EventGridEvent.ParseMany</c>/<c>CloudEvent.ParseMany</c>: those validate
/// envelope casing strictly (the CloudEvents sample spells <c>specVersion</c>) and the ACS system-event models are
/// case-sensitive, so a hand-read envelope is what tolerates the documented variants.
/// </remarks>
public static class AcsEventGridWebhook
{
    public const string Provider = "acs";

    public const string SubscriptionValidationEvent = "Microsoft.EventGrid.SubscriptionValidationEvent";
    public const string SmsReceived = "Microsoft.Communication.SMSReceived";
    public const string SmsDeliveryReportReceived = "Microsoft.Communication.SMSDeliveryReportReceived";
    public const string EmailDeliveryReportReceived = "Microsoft.Communication.EmailDeliveryReportReceived";
    public const string EmailEngagementTrackingReportReceived = "Microsoft.Communication.EmailEngagementTrackingReportReceived";
    public const string AdvancedMessageReceived = "Microsoft.Communication.AdvancedMessageReceived";
    public const string AdvancedMessageDeliveryStatusUpdated = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

    /// <summary>Answer to a CloudEvents abuse-protection <c>OPTIONS</c> request: the origin to allow, or null when the request is not one.</summary>
    public static string? AllowedOrigin(string? webHookRequestOrigin) =>
        string.IsNullOrWhiteSpace(webHookRequestOrigin) ? null : webHookRequestOrigin.Trim();

    /// <summary>
    /// Parses a webhook POST body or a queue message body. A webhook caller has already checked the secret header
    /// (<see cref="WebhookCrypto.SecretEquals"/>).
    /// </summary>
    /// <param name="fromQueue">
    /// The body is a queue message: nobody waits for a subscription validation answer there, so a validation event is
    /// ignored like an unsupported type instead of becoming <see cref="InboundOutcome.SubscriptionValidation"/>.
    /// </param>
    public static InboundParseResult Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, bool fromQueue = false)
    {
        if (!JsonReading.TryParse(body, out var document))
        {
            return InboundParseResult.Malformed("The body is not valid JSON.");
        }
        using (document)
        {
            var root = document!.RootElement;
            IEnumerable<JsonElement> items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray(),
                JsonValueKind.Object => [root],
                _ => [],
            };
            if (root.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
            {
                return InboundParseResult.Malformed("The body must be an Event Grid event (or array of them) or a CloudEvent (or batch).");
            }

            var events = new List<InboundEvent>();
            var ignored = new List<string>();
            var index = 0;
            foreach (var item in items)
            {
                if (Envelope.Read(item) is not { } envelope)
                {
                    return InboundParseResult.Malformed($"Event {index} has no id and type (eventType or type).");
                }
                index++;
                if (envelope.Type == SubscriptionValidationEvent && fromQueue)
                {
                    ignored.Add($"{SubscriptionValidationEvent} on a queue (nothing to answer)");
                    continue;
                }
                if (envelope.Type == SubscriptionValidationEvent)
                {
                    return envelope.Data?.String("validationCode") is { Length: > 0 } code
                        ? InboundParseResult.Validation(code)
                        : InboundParseResult.Malformed("The subscription validation event has no data.validationCode.");
                }
                var mapped = Map(envelope, receivedAt, out var reason);
                if (mapped is null)
                {
                    ignored.Add(reason);
                }
                else
                {
                    events.Add(mapped);
                }
            }
            return InboundParseResult.From(events, ignored);
        }
    }

    private sealed record Envelope(string Id, string Type, JsonElement? Data, DateTimeOffset? Time)
    {
        public static Envelope? Read(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var id = item.String("id");
            // Event Grid schema: eventType + eventTime; CloudEvents 1.0: type + time.
            var type = item.String("eventType") ?? item.String("type");
            if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(type))
            {
                return null;
            }
            return new Envelope(id, type, item.Object("data"), item.Time("eventTime", "time"));
        }
    }

    private static InboundEvent? Map(Envelope e, DateTimeOffset receivedAt, out string reason)
    {
        reason = "";
        if (e.Data is not { } data)
        {
            reason = $"{e.Type} without a data object";
            return null;
        }
        var id = InboundEventIds.Create(Provider, e.Id);
        var occurred = e.Time ?? receivedAt;
        switch (e.Type)
        {
            case SmsReceived:
                return new InboundEvent
                {
                    Id = id, Kind = InboundEventKind.Message, Provider = Provider, Channel = Channel.Sms,
                    ProviderMessageId = data.String("messageId"),
                    From = ProviderAddresses.Phone(data.String("from")),
                    To = ProviderAddresses.Phone(data.String("to")),
                    Text = data.String("message"),
                    OccurredAt = data.Time("receivedTimestamp") ?? occurred, ReceivedAt = receivedAt,
                };

            case SmsDeliveryReportReceived:
            {
                var status = data.String("deliveryStatus");
                AttemptStatus? mapped = status?.Trim().ToLowerInvariant() switch
                {
                    "delivered" => AttemptStatus.Delivered,
                    "failed" => AttemptStatus.Failed,
                    "expired" => AttemptStatus.Expired,
                    "sent" => AttemptStatus.Sent,
                    _ => null,
                };
                if (mapped is null)
                {
                    reason = $"{e.Type} with unsupported deliveryStatus";
                    return null;
                }
                return Delivery(id, Channel.Sms, data.String("messageId"), mapped.Value,
                    mapped is AttemptStatus.Failed or AttemptStatus.Expired ? Error(null, data.String("deliveryStatusDetails")) ?? status!.Trim() : null,
                    data.Time("receivedTimestamp") ?? occurred, receivedAt);
            }

            case EmailDeliveryReportReceived:
            {
                var status = data.String("status");
                AttemptStatus? mapped = EmailStatus(status);
                if (mapped is null)
                {
                    reason = $"{e.Type} with unsupported status";
                    return null;
                }
                return Delivery(id, Channel.Email, data.String("messageId"), mapped.Value,
                    mapped == AttemptStatus.Failed ? Error(status, data.Object("deliveryStatusDetails").String("statusMessage")) : null,
                    data.Time("deliveryAttemptTimestamp") ?? occurred, receivedAt);
            }

            case EmailEngagementTrackingReportReceived:
            {
                var engagement = data.String("engagementType")?.Trim().ToLowerInvariant();
                if (string.IsNullOrEmpty(engagement))
                {
                    reason = $"{e.Type} without engagementType";
                    return null;
                }
                // engagementContext (the clicked link) and userAgent are not carried: links can hold personal data.
                return new InboundEvent
                {
                    Id = id, Kind = InboundEventKind.Engagement, Provider = Provider, Channel = Channel.Email,
                    ProviderMessageId = data.String("messageId"), Status = AttemptStatus.Read, Engagement = engagement,
                    OccurredAt = data.Time("userActionTimestamp") ?? occurred, ReceivedAt = receivedAt,
                };
            }

            case AdvancedMessageReceived:
            {
                if (data.String("channelType") is { } channelType && !channelType.Equals("whatsapp", StringComparison.OrdinalIgnoreCase))
                {
                    reason = $"{e.Type} on an unsupported channelType";
                    return null;
                }
                return new InboundEvent
                {
                    Id = id, Kind = InboundEventKind.Message, Provider = Provider, Channel = Channel.WhatsApp,
                    ProviderMessageId = data.String("messageId"),
                    From = ProviderAddresses.Phone(data.String("from")),
                    To = data.String("to")?.Trim(),
                    Text = AdvancedMessageText(data),
                    OccurredAt = data.Time("receivedTimestamp") ?? occurred, ReceivedAt = receivedAt,
                };
            }

            case AdvancedMessageDeliveryStatusUpdated:
            {
                var status = data.String("status");
                AttemptStatus? mapped = status?.Trim().ToLowerInvariant() switch
                {
                    "sent" => AttemptStatus.Sent,
                    "delivered" => AttemptStatus.Delivered,
                    "read" => AttemptStatus.Read,
                    "failed" => AttemptStatus.Failed,
                    _ => null, // warning, unknown
                };
                if (mapped is null)
                {
                    reason = $"{e.Type} with unsupported status";
                    return null;
                }
                var error = data.Object("error");
                return Delivery(id, Channel.WhatsApp, data.String("messageId"), mapped.Value,
                    mapped == AttemptStatus.Failed ? Error(error.String("channelCode"), error.String("channelMessage")) ?? "failed" : null,
                    data.Time("receivedTimestamp") ?? occurred, receivedAt);
            }

            default:
                reason = $"unsupported event type {Safe(e.Type)}";
                return null;
        }
    }

    /// <summary>
    /// Delivered → delivered; Expanded (a distribution list was expanded, the message went on) → sent; Failed, Bounced,
    /// Suppressed, Quarantined and FilteredSpam → failed. Anything else is ignored rather than guessed.
    /// </summary>
    public static AttemptStatus? EmailStatus(string? status) => status?.Trim().ToLowerInvariant() switch
    {
        "delivered" => AttemptStatus.Delivered,
        "expanded" => AttemptStatus.Sent,
        "failed" or "bounced" or "suppressed" or "quarantined" or "filteredspam" => AttemptStatus.Failed,
        _ => null,
    };

    private static InboundEvent Delivery(string id, Channel channel, string? providerMessageId, AttemptStatus status, string? error,
        DateTimeOffset occurredAt, DateTimeOffset receivedAt) => new()
    {
        Id = id, Kind = InboundEventKind.Delivery, Provider = Provider, Channel = channel,
        ProviderMessageId = providerMessageId, Status = status, Error = error,
        OccurredAt = occurredAt, ReceivedAt = receivedAt,
    };

    private static string? AdvancedMessageText(JsonElement data)
    {
        if (data.String("content") is { } content)
        {
            return content;
        }
        if (data.Object("button") is { } button && button.String("text") is { } buttonText)
        {
            return buttonText;
        }
        if (data.Object("interactive") is { } interactive)
        {
            foreach (var reply in new[] { "buttonReply", "listReply" })
            {
                if (interactive.Object(reply) is { } r && r.String("title") is { } title)
                {
                    return title;
                }
            }
        }
        return data.Object("media").String("caption");
    }

    private static string? Error(string? code, string? description)
    {
        var parts = new[] { code?.Trim(), description?.Trim() }.Where(p => !string.IsNullOrEmpty(p)).ToArray();
        return parts.Length == 0 ? null : string.Join(": ", parts);
    }

    // Event types come from the sender: keep what is logged short and printable.
    internal static string Safe(string value) =>
        new(value.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
