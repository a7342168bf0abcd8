using System.Globalization;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// The ACS events the sandbox sends, in the Event Grid schema and with the data fields of Microsoft's published samples:
/// delivery reports for its sends, e-mail engagement, and the customer simulator's inbound SMS and WhatsApp messages.
/// One place, so a scheduled report and one asked for on demand are the same event.
/// </summary>
internal static class AcsEvents
{
    public const string Topic =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/omni-sandbox/providers/Microsoft.Communication/communicationServices/omni-sandbox";

    public const string SmsReceived = "Microsoft.Communication.SMSReceived";
    public const string SmsDeliveryReport = "Microsoft.Communication.SMSDeliveryReportReceived";
    public const string EmailDeliveryReport = "Microsoft.Communication.EmailDeliveryReportReceived";
    public const string EmailEngagement = "Microsoft.Communication.EmailEngagementTrackingReportReceived";
    public const string AdvancedMessageReceived = "Microsoft.Communication.AdvancedMessageReceived";
    public const string AdvancedMessageStatus = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

    public static JsonObject Event(string type, string subject, DateTimeOffset at, JsonObject data) => new()
    {
        ["id"] = Guid.NewGuid().ToString("D"),
        ["topic"] = Topic,
        ["subject"] = subject,
        ["data"] = data,
        ["eventType"] = type,
        ["dataVersion"] = "1.0",
        ["metadataVersion"] = "1",
        ["eventTime"] = Timestamp(at),
    };

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>ACS's id for an SMS it handled: <c>Outgoing_</c> or <c>Incoming_</c>, the time, then a GUID.</summary>
    public static string SmsMessageId(string direction, DateTimeOffset at) =>
        $"{direction}_{at.UtcDateTime:yyyyMMddHHmmss}{Guid.NewGuid()}";

    public static JsonObject SmsReport(string messageId, string from, string to, bool delivered, int segments, DateTimeOffset sentAt,
        DateTimeOffset at, string? tag)
    {
        var data = new JsonObject
        {
            ["messageId"] = messageId,
            ["from"] = from,
            ["to"] = to,
            ["deliveryStatus"] = delivered ? "Delivered" : "Failed",
            ["deliveryStatusDetails"] = delivered ? "No error." : "Unreachable destination handset.",
            ["receivedTimestamp"] = Timestamp(at),
            ["deliveryAttempts"] = new JsonArray(new JsonObject
            {
                ["timestamp"] = Timestamp(sentAt),
                ["segmentsSucceeded"] = delivered ? segments : 0,
                ["segmentsFailed"] = delivered ? 0 : segments,
            }),
        };
        if (tag is not null)
        {
            data["tag"] = tag;
        }
        return Event(SmsDeliveryReport, $"/phonenumber/{from.TrimStart('+')}", at, data);
    }

    public static JsonObject EmailReport(string sender, string recipient, string operationId, bool delivered, DateTimeOffset at) =>
        Event(EmailDeliveryReport, $"sender/{sender}/message/{operationId}", at, new JsonObject
        {
            ["sender"] = sender,
            ["recipient"] = recipient,
            ["messageId"] = operationId,
            ["status"] = delivered ? "Delivered" : "Failed",
            ["deliveryStatusDetails"] = new JsonObject
            {
                ["statusMessage"] = delivered ? "No error." : "The recipient's mailbox is unavailable.",
            },
            ["deliveryAttemptTimeStamp"] = Timestamp(at),
        });

    /// <summary>An open (<c>view</c>) or a click on a link of the e-mail; the link is a fixed example, never a real one.</summary>
    public static JsonObject EmailEngagementReport(string sender, string recipient, string operationId, bool click, DateTimeOffset at) =>
        Event(EmailEngagement, $"sender/{sender}/message/{operationId}", at, new JsonObject
        {
            ["sender"] = sender,
            ["recipient"] = recipient,
            ["messageId"] = operationId,
            ["userActionTimestamp"] = Timestamp(at),
            ["engagementContext"] = click ? "https://example.org/" : "",
            ["userAgent"] = "Omni DevHost sandbox",
            ["engagementType"] = click ? "click" : "view",
        });

    /// <summary>A WhatsApp status (<c>Sent</c>, <c>Delivered</c>, <c>Read</c>, <c>Failed</c>) for a sent message.</summary>
    public static JsonObject WhatsAppStatus(string messageId, string channelId, string to, string state, DateTimeOffset at)
    {
        var data = new JsonObject
        {
            ["messageId"] = messageId,
            ["status"] = state,
            ["channelType"] = "whatsapp",
            ["from"] = channelId,
            ["to"] = to,
            ["receivedTimestamp"] = Timestamp(at),
        };
        if (state == "Failed")
        {
            data["error"] = new JsonObject { ["channelCode"] = "131026", ["channelMessage"] = "Message Undeliverable." };
        }
        return Event(AdvancedMessageStatus, $"advancedMessage/{messageId}/status/{state}", at, data);
    }

    /// <summary>A text a customer sent to an ACS number; numbers without <c>+</c>, as in Microsoft's sample.</summary>
    public static JsonObject SmsMessage(string from, string to, string text, DateTimeOffset at)
    {
        var messageId = SmsMessageId("Incoming", at);
        var @event = Event(SmsReceived, $"/phonenumber/{to.TrimStart('+')}", at, new JsonObject
        {
            ["messageId"] = messageId,
            ["from"] = from.TrimStart('+'),
            ["to"] = to.TrimStart('+'),
            ["message"] = text,
            ["receivedTimestamp"] = Timestamp(at),
            ["segmentCount"] = SmsSegments.Count(text),
        });
        @event["id"] = messageId; // ACS uses the message id as the event id
        return @event;
    }

    /// <summary>A WhatsApp text a customer sent to the business's channel (<paramref name="channelId"/>, the registration id).</summary>
    public static JsonObject WhatsAppMessage(string from, string channelId, string text, DateTimeOffset at)
    {
        var sender = from.TrimStart('+');
        return Event(AdvancedMessageReceived, $"advancedMessage/sender/{sender}/recipient/{channelId}", at, new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString("D"),
            ["content"] = text,
            ["channelType"] = "whatsapp",
            ["messageType"] = "text",
            ["from"] = sender,
            ["to"] = channelId,
            ["receivedTimestamp"] = Timestamp(at),
        });
    }
}
