using System.Text.Json.Serialization;
using Omni.Core.Contacts;

namespace Omni.Core.Messages;

[JsonConverter(typeof(JsonStringEnumConverter<InboundEventKind>))]
public enum InboundEventKind
{
    /// <summary>A provider reports what happened to an outbound attempt (<see cref="InboundEvent.Status"/>).</summary>
    [JsonStringEnumMemberName("delivery")] Delivery,

    /// <summary>The contact opened or clicked (email engagement); counts as read.</summary>
    [JsonStringEnumMemberName("engagement")] Engagement,

    /// <summary>The contact wrote to us (<see cref="InboundEvent.Text"/>).</summary>
    [JsonStringEnumMemberName("message")] Message,
}

/// <summary>
/// A provider webhook event, normalised: the body of an <c>inbound</c> queue message (camelCase JSON). The webhooks verify
/// and normalise; ProcessInbound acts. <see cref="Id"/> is also the Service Bus MessageId, so a provider's retry is dropped.
/// </summary>
public sealed record InboundEvent
{
    /// <summary>"{provider}:{provider's event id}" (e.g. "acs:3b5d…", "twilio:SM…:delivered"); stable across the provider's retries.</summary>
    public required string Id { get; init; }

    public required InboundEventKind Kind { get; init; }

    /// <summary>"acs", "twilio", "meta", "chat".</summary>
    public required string Provider { get; init; }

    public required Channel Channel { get; init; }

    /// <summary>Delivery/engagement: the provider's id of our outbound message. Message: the provider's id of the inbound message.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>
    /// Delivery: the Omni message the report is about, when the provider echoes it back authenticated (Twilio: the
    /// signed status callback URL's <c>m</c> query parameter). Used only when <see cref="ProviderMessageId"/> is not
    /// indexed — a send whose provider answer was lost — and then indexed; never trusted over the index.
    /// </summary>
    public string? OmniMessageId { get; init; }

    /// <summary>Delivery: the step of <see cref="OmniMessageId"/>'s plan (Twilio: the callback URL's <c>s</c>).</summary>
    public int? OmniStep { get; init; }

    /// <summary>Delivery: the reported status (queued, sent, delivered, read, failed, expired). Engagement: read.</summary>
    public AttemptStatus? Status { get; init; }

    /// <summary>Provider error code and description for failures; never addresses or text.</summary>
    public string? Error { get; init; }

    /// <summary>Engagement: "open", "click", ...</summary>
    public string? Engagement { get; init; }

    /// <summary>Message: the sender's normalised address on <see cref="Channel"/> (E.164, e-mail, WhatsApp id, app user id).</summary>
    public string? From { get; init; }

    /// <summary>Message: our address it was sent to (sender number, mailbox, WhatsApp business number, app id).</summary>
    public string? To { get; init; }

    /// <summary>Message: the text the contact wrote.</summary>
    public string? Text { get; init; }

    /// <summary>When the provider says it happened.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>When the webhook received it.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
}
