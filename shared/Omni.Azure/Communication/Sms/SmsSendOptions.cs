namespace Omni.Azure.Communication.Sms;

/// <summary>Per-send options for <see cref="SmsClient"/>.</summary>
public class SmsSendOptions
{
    /// <summary>Options with delivery reports off.</summary>
    public SmsSendOptions()
    {
    }

    /// <summary>Options with delivery reports on or off.</summary>
    public SmsSendOptions(bool enableDeliveryReport)
    {
        EnableDeliveryReport = enableDeliveryReport;
    }

    /// <summary>Whether ACS publishes <c>SMSDeliveryReportReceived</c> events for this send.</summary>
    public bool EnableDeliveryReport { get; set; }

    /// <summary>A tag echoed back in delivery reports (e.g. Omni's message id).</summary>
    public string? Tag { get; set; }

    /// <summary>
    /// The repeatability id and first-sent time for this logical send; when null a fresh one is made per call.
    /// Pass a deterministic one so a redelivered queue message is not sent (and billed) twice. With several
    /// recipients, each gets its own id derived from this one and the recipient's number.
    /// </summary>
    public RepeatableRequest? Repeatability { get; set; }
}
