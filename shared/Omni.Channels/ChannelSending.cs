using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Channels;

/// <summary>Sends one step of a message on one channel, through that channel's providers in priority order.</summary>
public interface IChannelSender
{
    /// <summary>The channels this sender carries (SMS; email; WhatsApp; in-app and webhook).</summary>
    IReadOnlyList<Channel> Channels { get; }

    /// <summary>
    /// Sends; never throws for a provider's answer (classified into <see cref="SendResult.Outcome"/>). Only cancellation
    /// and programming errors throw.
    /// </summary>
    Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken);
}

/// <summary>What one send carries.</summary>
/// <param name="To">The normalised address on <paramref name="Channel"/> (E.164, e-mail, WhatsApp id, in-app user id, webhook URL).</param>
/// <param name="IdempotencyKey">"{MessageId}:{Step}": passed to providers that de-duplicate (ACS repeatability, webhook header).</param>
/// <param name="ContactId">Null for one-off sends.</param>
public sealed record ChannelSendRequest(
    string MessageId,
    int Step,
    Channel Channel,
    string To,
    RenderedContent Content,
    string Category,
    Urgency Urgency,
    string? ContactId,
    string? CorrelationId,
    IReadOnlyList<string> Tags)
{
    public string IdempotencyKey => $"{MessageId}:{Step}";

    /// <summary>
    /// Where a sender records, durably, a call to a provider that cannot recognise a repeat (Twilio) before making it; null
    /// records nothing (the sender's own tests, tools).
    /// </summary>
    public ISendJournal? Journal { get; init; }
}

/// <summary>
/// The pipeline's record of calls to providers without de-duplication. A crash (or a redelivery while the first delivery
/// is still in the call) after <see cref="CallingAsync"/> leaves the step <em>unconfirmed</em>: it is never sent again,
/// and the provider's status callback confirms it or the confirmation window gives it up. Without the record the
/// redelivery could not tell "never reached the provider" from "the provider has it", and would send it twice.
/// </summary>
public interface ISendJournal
{
    /// <summary>Before the call to <paramref name="provider"/>. If this throws, the provider is not called.</summary>
    Task CallingAsync(string provider, CancellationToken cancellationToken);

    /// <summary>After <paramref name="provider"/> certainly did not take the message: the step may be sent again.</summary>
    Task NotAcceptedAsync(string provider, string? error, CancellationToken cancellationToken);
}

public enum SendOutcome
{
    /// <summary>A provider accepted it (<see cref="SendResult.ProviderMessageId"/> set).</summary>
    Accepted,

    /// <summary>Worth retrying later (429, 5xx, timeouts, network): the send function fails the invocation so Service Bus redelivers.</summary>
    Transient,

    /// <summary>Retrying will not help (invalid number, refused, 4xx, misconfiguration): the plan moves to its next step.</summary>
    Permanent,
}

/// <param name="Provider">The provider that accepted, or the last one tried.</param>
/// <param name="Status">For accepted sends: <c>queued</c> or <c>sent</c> (webhooks answered 2xx count as delivered).</param>
/// <param name="Error">Provider error code and description on failure; never addresses or message text.</param>
/// <param name="RetryAfter">From the provider's Retry-After, when it gave one.</param>
/// <param name="Tries">Every provider call made, in order.</param>
/// <param name="Refusal">For a permanent failure: what the provider's refusal says about the address, when it says something lasting.</param>
public sealed record SendResult(
    SendOutcome Outcome,
    string Provider,
    string? ProviderMessageId,
    Omni.Core.Messages.AttemptStatus Status,
    int? Segments,
    decimal? Cost,
    string? Currency,
    string? Error,
    TimeSpan? RetryAfter,
    IReadOnlyList<Omni.Core.Messages.ProviderTry> Tries,
    AddressRefusal? Refusal = null);
