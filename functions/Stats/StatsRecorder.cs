using Omni.Core.Stats;

namespace Omni.Functions.Stats;

/// <summary>
/// The send path's <see cref="IStatsRecorder"/>: writes to the <see cref="IStatsStore"/> and swallows (logs) storage
/// failures, because stats are derived data — a failed stats write must never fail, and therefore never repeat, a send.
/// Cancellation still propagates.
/// </summary>
public sealed class StatsRecorder(IStatsStore store, ILogger<StatsRecorder> logger) : IStatsRecorder
{
    public async Task RecordAsync(StatEvent statEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statEvent);
        try
        {
            await store.WriteAsync(statEvent, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // The key holds message/event ids only (no addresses or text).
            logger.LogWarning("Stat event {StatKey} ({Kind}) not recorded: {Error}", statEvent.Key, statEvent.Kind.Name(), e.Message);
        }
    }
}

/// <summary>
/// <see cref="IChannelHealthSource"/> from the stats: delivery rate (delivered / attempted) and attempts per channel over
/// the last <see cref="Window"/>, cached for <see cref="CacheFor"/>. A read failure yields no health (every channel counts
/// as healthy) and is logged; routing never fails because of stats.
/// </summary>
public sealed class ChannelHealthSource(IStatsStore store, TimeProvider clock, ILogger<ChannelHealthSource> logger) : IChannelHealthSource
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private (DateTimeOffset Until, IReadOnlyList<Omni.Core.Routing.ChannelHealth> Health)? _cached;

    public async Task<IReadOnlyList<Omni.Core.Routing.ChannelHealth>> GetAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_cached is { } hit && clock.GetUtcNow() < hit.Until)
        {
            return hit.Health;
        }
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && clock.GetUtcNow() < again.Until)
            {
                return again.Health;
            }
            IReadOnlyList<Omni.Core.Routing.ChannelHealth> health;
            try
            {
                var events = await store.ReadAsync(now - Window, now, cancellationToken);
                health = ChannelStatsAggregator.Health(ChannelStatsAggregator.Aggregate(events, now - Window, now, StatsGranularity.Day));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Channel health unavailable, routing treats every channel as healthy: {Error}", e.Message);
                health = [];
            }
            _cached = (clock.GetUtcNow() + CacheFor, health);
            return health;
        }
        finally
        {
            _lock.Release();
        }
    }
}
