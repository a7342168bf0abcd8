using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// Plays the customer: <c>POST /_devhost/sandbox/inbound</c> with <c>{channel, from, to?, text}</c> makes the event the
/// provider would make for a message the customer sent and delivers it through the app's real inbound path. SMS and
/// WhatsApp become ACS Event Grid events (<c>SMSReceived</c>, <c>AdvancedMessageReceived</c>) delivered like the
/// sandbox's delivery reports (the <c>acs-events</c> queue, or the webhook); chat becomes a signed POST to
/// <c>/api/webhooks/chat</c>, as the app's chat backend sends it. So STOP, START, HELP and replies can be tried locally.
/// </summary>
internal sealed class CustomerSimulator(ProviderSandboxOptions options, DeliveryReporter reporter, ILogger logger)
{
    public static readonly string[] Channels = ["sms", "whatsapp", "chat"];

    private static readonly string[] Fields = ["channel", "from", "to", "text"];

    private sealed record Inbound(string Channel, string From, string To, string Text);

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (fields, problem) = await SandboxRequest.ReadAsync(request, Fields, cancellationToken);
        if (problem is not null)
        {
            return SandboxRequest.BadRequest(problem);
        }
        if (Validate(fields, out var inbound) is { } invalid)
        {
            return SandboxRequest.BadRequest(invalid);
        }
        var now = options.Time.GetUtcNow();
        if (inbound!.Channel == "chat")
        {
            return await PostChatAsync(inbound, now);
        }
        var @event = inbound.Channel == "sms"
            ? AcsEvents.SmsMessage(inbound.From, inbound.To, inbound.Text, now)
            : AcsEvents.WhatsAppMessage(inbound.From, inbound.To, inbound.Text, now);
        var eventId = @event["id"]!.GetValue<string>();
        var target = reporter.EventGridPath;
        var error = await reporter.DeliverEventGridAsync(0, eventId, @event);
        logger.LogInformation("Sandbox customer: {Channel} message from {From} as event {EventId} to {Target}: {Outcome}",
            inbound.Channel, ProviderSandbox.Mask(inbound.From), eventId, target ?? "(none)", error is null ? "delivered" : "not delivered");
        return Answer(inbound, "acs", @event["eventType"]!.GetValue<string>(), eventId,
            options.AcsEventsQueue is null ? "webhook" : "queue", target, error);
    }

    /// <summary>Null when <paramref name="fields"/> make a message, with <paramref name="inbound"/> normalised; else what is wrong.</summary>
    private string? Validate(Dictionary<string, string> fields, out Inbound? inbound)
    {
        inbound = null;
        var channel = fields.GetValueOrDefault("channel")?.Trim().ToLowerInvariant();
        if (channel is null || !Channels.Contains(channel))
        {
            return $"'channel' must be one of: {string.Join(", ", Channels)}.";
        }
        if (fields.GetValueOrDefault("text") is not { Length: > 0 } text)
        {
            return "'text' is required: what the customer writes, e.g. STOP.";
        }
        if (fields.GetValueOrDefault("from") is not { } rawFrom || rawFrom.Trim().Length == 0)
        {
            return channel == "chat" ? "'from' is required: the app's user id." : "'from' is required: the customer's number, e.g. +447400123456.";
        }
        var to = fields.GetValueOrDefault("to");
        if (channel == "chat")
        {
            if (to is not null)
            {
                return "'to' does not apply to chat: the chat webhook has no recipient.";
            }
            var user = rawFrom.Trim();
            if (user.Length > 128 || user.Any(char.IsControl))
            {
                return "'from' (the chat user id) must be 1 to 128 characters without control characters.";
            }
            inbound = new Inbound(channel, user, "", text);
            return null;
        }
        if (SandboxRequest.E164(rawFrom) is not { } from)
        {
            return $"'from' must be a phone number in international form (E.164), e.g. +447400123456; '{rawFrom}' is not.";
        }
        string recipient;
        if (channel == "sms")
        {
            if ((to is null ? options.SmsNumber : SandboxRequest.E164(to)) is not { } number)
            {
                return $"'to' must be the number texted, in E.164 (default {options.SmsNumber}); '{to}' is not.";
            }
            recipient = number;
        }
        else
        {
            recipient = to?.Trim() is { Length: > 0 } channelId ? channelId : options.WhatsAppChannelId;
        }
        inbound = new Inbound(channel, from, recipient, text);
        return null;
    }

    /// <summary>POSTs the chat message as the app's chat backend would: <c>X-Omni-Signature: t=…,v1=hex HMAC-SHA256("{t}.{body}")</c>.</summary>
    private async Task<IResult> PostChatAsync(Inbound inbound, DateTimeOffset now)
    {
        if (options.AppBaseUrl is not { } app)
        {
            return TypedResults.Problem(statusCode: 409, title: "No function app", detail: "The sandbox does not know the app's address, so chat messages cannot be posted.");
        }
        var id = "chat_" + Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["id"] = id,
            ["userId"] = inbound.From,
            ["text"] = inbound.Text,
            ["sentAt"] = AcsEvents.Timestamp(now),
        }.ToJsonString());
        var t = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.ASCII.GetBytes(t + ".").Concat(body).ToArray();
        var signature = $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.ChatSecret), signed))}";
        var url = new Uri(app, "api/webhooks/chat");
        var error = await reporter.PostNowAsync("chat", id, url, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("X-Omni-Signature", signature);
            return request;
        });
        logger.LogInformation("Sandbox customer: chat message {Id} to {Target}: {Outcome}", id, url.AbsolutePath, error is null ? "delivered" : "not delivered");
        return Answer(inbound, "chat", null, id, "webhook", url.AbsolutePath, error);
    }

    private static IResult Answer(Inbound inbound, string provider, string? eventType, string eventId, string path, string? target, string? error)
    {
        if (target is null)
        {
            return TypedResults.Problem(statusCode: 409, title: "No Event Grid subscriber",
                detail: "The DevHost has no acs-events queue (see the queues file) and no ACS webhook: ACS events have nowhere to go.");
        }
        if (error is not null)
        {
            return TypedResults.Problem(statusCode: 502, title: "Not delivered", detail: $"The {inbound.Channel} message ({eventId}) did not reach {target}: {error}");
        }
        return TypedResults.Json(new
        {
            channel = inbound.Channel,
            from = inbound.From,
            to = inbound.Channel == "chat" ? null : inbound.To,
            provider,
            eventType,
            eventId,
            path,
            target,
        }, statusCode: 202);
    }
}
