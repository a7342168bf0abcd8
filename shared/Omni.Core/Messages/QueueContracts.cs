using Omni.Core.Contacts;

namespace Omni.Core.Messages;

/// <summary>The Service Bus queues of the outbound and inbound paths (declared in infra/queues.json).</summary>
public static class OmniQueues
{
    /// <summary>Message requests (<see cref="MessageRequest"/> JSON) from the API and from apps; RouteMessage consumes it.</summary>
    public const string Outbound = "outbound";

    /// <summary>Escalation checks (<see cref="EscalationCheck"/>), scheduled for the step's deadline.</summary>
    public const string Escalations = "escalations";

    /// <summary>Normalised provider events from the webhooks; ProcessInbound consumes it.</summary>
    public const string Inbound = "inbound";

    public const string SendSms = "send-sms";
    public const string SendEmail = "send-email";
    public const string SendWhatsApp = "send-whatsapp";
    public const string SendWebhook = "send-webhook";

    /// <summary>The queue of the send function for <paramref name="channel"/>; in-app and webhook share SendWebhook. Null when no function sends on it.</summary>
    public static string? SendQueueFor(Channel channel) => channel switch
    {
        Channel.Sms => SendSms,
        Channel.Email => SendEmail,
        Channel.WhatsApp => SendWhatsApp,
        Channel.InApp or Channel.Webhook => SendWebhook,
        _ => null,
    };

    /// <summary>Service Bus MessageId of a send step: duplicate detection drops a second enqueue of the same step.</summary>
    public static string StepMessageId(string messageId, int step) => $"{messageId}:{step}";

    public static string EscalationMessageId(string messageId, int step) => $"{messageId}:{step}:escalate";

    /// <summary>MessageId of the routing of a message: "{id}:route" first, "{id}:route:{unix ms}" for a deferral to <paramref name="deferUntil"/>.</summary>
    public static string RouteMessageId(string messageId, DateTimeOffset? deferUntil = null) =>
        deferUntil is { } at ? $"{messageId}:route:{at.ToUnixTimeMilliseconds()}" : $"{messageId}:route";
}

/// <summary>Body of a <c>send-*</c> queue message: send step <paramref name="Step"/> of the message's plan.</summary>
public sealed record SendStepCommand(string MessageId, int Step);

/// <summary>Body of an <c>escalations</c> queue message: if step <paramref name="Step"/> is not delivered by now, start the next one.</summary>
public sealed record EscalationCheck(string MessageId, int Step);
