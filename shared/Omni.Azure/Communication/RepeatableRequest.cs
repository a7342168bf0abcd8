namespace Omni.Azure.Communication;

/// <summary>
/// Identifies one logical send so that ACS executes it at most once
/// (https://learn.microsoft.com/rest/api/communication/repeatable-requests): reuse the same
/// <see cref="RequestId"/> and <see cref="FirstSent"/> when the same send is attempted again, e.g. after a queue
/// message is redelivered. ACS tracks ids only for a limited window; a stale <see cref="FirstSent"/> is rejected
/// rather than executed.
/// </summary>
/// <param name="RequestId">A GUID unique to the logical send (derive it from a stable message id).</param>
/// <param name="FirstSent">When the send was first attempted; sent as RFC 1123, so sub-second parts are dropped.</param>
public sealed record RepeatableRequest(Guid RequestId, DateTimeOffset FirstSent)
{
    /// <summary>A fresh id, first sent now.</summary>
    public static RepeatableRequest CreateNew(TimeProvider? timeProvider = null) =>
        new(Guid.NewGuid(), (timeProvider ?? TimeProvider.System).GetUtcNow());
}
