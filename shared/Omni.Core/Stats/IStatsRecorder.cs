using Omni.Core.Routing;

namespace Omni.Core.Stats;

/// <summary>
/// Records stat events. Stats are derived data: implementations used on the send path never throw for a storage
/// failure (they log and drop the event), so recording can neither fail nor repeat a send. Callers record AFTER the
/// message log write.
/// </summary>
public interface IStatsRecorder
{
    Task RecordAsync(StatEvent statEvent, CancellationToken cancellationToken);
}

/// <summary>Where stat events are kept and read back.</summary>
public interface IStatsStore
{
    /// <summary>Writes <paramref name="statEvent"/> (an upsert by its key: recording it again changes nothing). Throws on storage failure.</summary>
    Task WriteAsync(StatEvent statEvent, CancellationToken cancellationToken);

    /// <summary>Every event with <c>from &lt;= At &lt; to</c>.</summary>
    Task<IReadOnlyList<StatEvent>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>Recent delivery health per channel, for <see cref="RoutingPolicy"/>.</summary>
public interface IChannelHealthSource
{
    /// <summary>Delivery rate and sample size per channel over the recent window ending at <paramref name="now"/>; empty when unknown.</summary>
    Task<IReadOnlyList<ChannelHealth>> GetAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

public static class StatsRecorderExtensions
{
    /// <summary>Records each event in turn (an empty list records nothing).</summary>
    public static async Task RecordAsync(this IStatsRecorder recorder, IEnumerable<StatEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var statEvent in events)
        {
            await recorder.RecordAsync(statEvent, cancellationToken).ConfigureAwait(false);
        }
    }
}
