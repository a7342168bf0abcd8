namespace Omni.Azure.Communication.Sms;

/// <summary>
/// The outcome for one recipient. The request as a whole is accepted (202) even when individual recipients fail:
/// check <see cref="Successful"/>.
/// </summary>
public class SmsSendResult
{
    /// <summary>Creates a result (for tests and mocks).</summary>
    public SmsSendResult(string to, string? messageId, int httpStatusCode, bool successful, string? errorMessage = null, string? repeatabilityResult = null)
    {
        To = to;
        MessageId = messageId;
        HttpStatusCode = httpStatusCode;
        Successful = successful;
        ErrorMessage = errorMessage;
        RepeatabilityResult = repeatabilityResult;
    }

    /// <summary>The recipient's number.</summary>
    public string To { get; }

    /// <summary>ACS's id for the message (matches delivery reports); absent when not processed.</summary>
    public string? MessageId { get; }

    /// <summary>The per-recipient status (202 accepted, 400 bad number, 503 unavailable, ...).</summary>
    public int HttpStatusCode { get; }

    /// <summary>Whether ACS accepted the message for this recipient.</summary>
    public bool Successful { get; }

    /// <summary>Why it failed, when it did.</summary>
    public string? ErrorMessage { get; }

    /// <summary><c>accepted</c> or <c>rejected</c> when repeatability fields were sent.</summary>
    public string? RepeatabilityResult { get; }
}
