namespace Omni.Core.Inbound;

/// <summary>
/// The provider events ProcessInbound has finished, by event id ("twilio:SM…", "twilio:SM…:delivered", "meta:wamid…",
/// "acs:{Event Grid id}"). Kept with no time limit: Twilio and Meta signatures carry no timestamp, so a captured request
/// verifies forever, and Service Bus duplicate detection only covers an hour. Holds no personal data.
/// </summary>
public interface IInboundEventLog
{
    /// <summary>When the event was finished, or null when it never was.</summary>
    Task<DateTimeOffset?> ProcessedAtAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Records the event as finished (again: no-op apart from the time).</summary>
    Task MarkProcessedAsync(string eventId, DateTimeOffset at, CancellationToken cancellationToken);
}
