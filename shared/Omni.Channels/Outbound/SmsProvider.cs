using Omni.Core.Contacts;

namespace Omni.Channels.Outbound;

/// <summary>What one SMS provider call established about the message.</summary>
public enum ProviderVerdict
{
    /// <summary>The provider took the message.</summary>
    Accepted,

    /// <summary>The provider refused the recipient's number itself (invalid, not mobile, unsubscribed): no provider will do better.</summary>
    RecipientRefused,

    /// <summary>The provider certainly did not take the message (refused for its own reasons, or never reached): another provider may.</summary>
    NotAccepted,

    /// <summary>The provider may have taken it (timeout after sending, 500, 504, reset mid-response): never fail over.</summary>
    Ambiguous,
}

/// <summary>The outcome of one SMS provider call.</summary>
/// <param name="Transient">For <see cref="ProviderVerdict.NotAccepted"/>: whether trying the same provider later may work (429, 503, connection failures).</param>
/// <param name="Error">Provider error code and description; never addresses or text.</param>
/// <param name="StatusCode">The HTTP status (per-recipient for ACS), for logs.</param>
/// <param name="ErrorCode">The provider's error code, for logs.</param>
/// <param name="Refusal">For <see cref="ProviderVerdict.RecipientRefused"/>: what the refusal says about the address, when the error is one that does (<see cref="AddressRefusals"/>).</param>
public sealed record SmsProviderResult(
    ProviderVerdict Verdict,
    bool Transient,
    string? ProviderMessageId = null,
    int? Segments = null,
    decimal? Cost = null,
    string? Currency = null,
    string? Error = null,
    TimeSpan? RetryAfter = null,
    int? StatusCode = null,
    string? ErrorCode = null,
    AddressRefusal? Refusal = null);

/// <summary>One SMS provider (ACS, Twilio); <see cref="SmsSender"/> walks them in the configured priority order.</summary>
public interface ISmsProvider
{
    /// <summary>The name used in <c>Sms__Providers</c> and recorded in tries: <c>acs</c>, <c>twilio</c>.</summary>
    string Name { get; }

    /// <summary>False when the provider's settings are missing; the sender then skips it.</summary>
    bool IsConfigured { get; }

    /// <summary>
    /// True (the default) when a repeated send of the same step is recognised by the provider (ACS: the repeatability
    /// headers from the idempotency key), so an <see cref="ProviderVerdict.Ambiguous"/> outcome may be retried. False
    /// (Twilio) makes an ambiguous outcome <see cref="ProviderTryOutcomes.Unconfirmed"/>: never retried, confirmed or
    /// given up by the pipeline.
    /// </summary>
    bool DeduplicatesRetries => true;

    /// <summary>Sends once; classifies every answer and transport failure (only cancellation by the caller throws).</summary>
    Task<SmsProviderResult> SendAsync(ChannelSendRequest request, string text, CancellationToken cancellationToken);
}

/// <summary>The <see cref="Omni.Core.Messages.ProviderTry.Outcome"/> values the channel senders record.</summary>
public static class ProviderTryOutcomes
{
    /// <summary>The provider took the message.</summary>
    public const string Accepted = "accepted";

    /// <summary>Not taken for now (or ambiguous at a provider that de-duplicates retries): the step may be retried.</summary>
    public const string Transient = "transient";

    /// <summary>Refused for good.</summary>
    public const string Permanent = "permanent";

    /// <summary>
    /// Ambiguous at a provider without de-duplication (Twilio): it may have the message. The step must not be sent again
    /// (on any provider); the pipeline waits for the provider's status callback and otherwise gives the step up.
    /// </summary>
    public const string Unconfirmed = "unconfirmed";
}
