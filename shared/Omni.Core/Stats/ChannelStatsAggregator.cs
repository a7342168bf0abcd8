using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Core.Stats;

/// <summary>
/// Turns stat events into KPIs (pure): per channel, per provider within a channel, per hour or day bucket. Events are
/// de-duplicated by key; events outside <c>[from, to)</c> are ignored. Channels are ordered by their enum order.
/// </summary>
public static class ChannelStatsAggregator
{
    /// <summary>Decimals of <see cref="CostTotal.PerDelivered"/>.</summary>
    public const int CostDecimals = 6;

    public static ChannelStatsReport Aggregate(IEnumerable<StatEvent> events, DateTimeOffset from, DateTimeOffset to, StatsGranularity granularity)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (to <= from)
        {
            throw new ArgumentException("The period must end after it starts.", nameof(to));
        }
        var unique = new Dictionary<string, StatEvent>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.At >= from && e.At < to)
            {
                unique[e.Key] = e;
            }
        }
        var inPeriod = unique.Values.ToList();

        var buckets = new List<DateTimeOffset>();
        for (var start = BucketStart(from, granularity); start < to; start = Next(start, granularity))
        {
            buckets.Add(start);
        }

        var channels = inPeriod.Where(e => e.Channel is not null)
            .GroupBy(e => e.Channel!.Value)
            .OrderBy(g => g.Key)
            .Select(g => new ChannelStats(
                g.Key,
                Metrics(g),
                [.. g.Where(e => e.Provider is not null).GroupBy(e => e.Provider!, StringComparer.Ordinal).OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => new ProviderStats(p.Key, Metrics(p), Series(p, granularity)))],
                Series(g, granularity)))
            .ToList();
        return new ChannelStatsReport(from, to, granularity, buckets, channels, Metrics(inPeriod.Where(e => e.Channel is null)));
    }

    /// <summary>Health per channel for routing: delivery rate and attempts over the events given.</summary>
    public static IReadOnlyList<ChannelHealth> Health(ChannelStatsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return [.. report.Channels.Where(c => c.Totals.Attempted > 0)
            .Select(c => new ChannelHealth(c.Channel, c.Totals.DeliveryRate ?? 1.0, c.Totals.Attempted))];
    }

    /// <summary>The UTC start of the bucket holding <paramref name="at"/>.</summary>
    public static DateTimeOffset BucketStart(DateTimeOffset at, StatsGranularity granularity)
    {
        var utc = at.ToUniversalTime();
        return granularity == StatsGranularity.Hour
            ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The KPIs of <paramref name="events"/> (assumed de-duplicated by key).</summary>
    public static StatsMetrics Metrics(IEnumerable<StatEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var list = events as IReadOnlyCollection<StatEvent> ?? [.. events];
        int Count(StatKind kind) => list.Count(e => e.Kind == kind);
        var attempted = list.Where(e => e.Kind is StatKind.Sent or StatKind.Delivered or StatKind.Failed)
            .Select(e => e.Attempt ?? e.Key).Distinct(StringComparer.Ordinal).Count();
        var delivered = Count(StatKind.Delivered);
        var latencies = list.Where(e => e.Kind == StatKind.Delivered && e.LatencyMs is not null).Select(e => e.LatencyMs!.Value).ToList();
        var responses = list.Where(e => e.Kind == StatKind.Reply && e.ResponseMs is not null).Select(e => e.ResponseMs!.Value).ToList();
        var scores = list.Where(e => e.Kind == StatKind.Csat && e.Score is not null).Select(e => e.Score!.Value).ToList();
        var costs = list.Where(e => e.Kind == StatKind.Sent && e.Cost is not null)
            .GroupBy(e => e.Currency ?? "", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var total = g.Sum(e => e.Cost!.Value);
                return new CostTotal(g.Key, total, delivered > 0 ? Math.Round(total / delivered, CostDecimals, MidpointRounding.AwayFromZero) : null);
            })
            .ToList();
        return new StatsMetrics
        {
            Attempted = attempted,
            Sent = Count(StatKind.Sent),
            Delivered = delivered,
            Failed = Count(StatKind.Failed),
            Read = Count(StatKind.Read),
            Clicked = Count(StatKind.Clicked),
            Undeliverable = Count(StatKind.Undeliverable),
            Fallbacks = Count(StatKind.Fallback),
            Escalations = Count(StatKind.Escalated),
            SuppressedConsent = Count(StatKind.SuppressedConsent),
            SuppressedQuietHours = Count(StatKind.SuppressedQuietHours),
            Capped = Count(StatKind.Capped),
            Expired = Count(StatKind.Expired),
            Replies = Count(StatKind.Reply),
            CsatResponses = scores.Count,
            Segments = list.Where(e => e.Kind == StatKind.Sent).Sum(e => e.Segments ?? 0),
            DeliveryRate = attempted > 0 ? Math.Min(1.0, (double)delivered / attempted) : null,
            LatencyMedianMs = Median(latencies),
            LatencyP90Ms = Percentile(latencies, 0.9),
            ResponseMedianMs = Median(responses),
            CsatAverage = scores.Count > 0 ? scores.Average() : null,
            Costs = costs,
        };
    }

    /// <summary>The median: the middle value, or the mean of the two middle values; null for no values.</summary>
    public static double? Median(IReadOnlyCollection<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + (double)sorted[middle]) / 2;
    }

    /// <summary>The nearest-rank percentile (<paramref name="fraction"/> 0..1): the value at rank ⌈fraction·n⌉; null for no values.</summary>
    public static double? Percentile(IReadOnlyCollection<long> values, double fraction)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        if (values.Count == 0)
        {
            return null;
        }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static List<StatsBucket> Series(IEnumerable<StatEvent> events, StatsGranularity granularity) =>
        [.. events.GroupBy(e => BucketStart(e.At, granularity)).OrderBy(g => g.Key).Select(g => new StatsBucket(g.Key, Metrics(g)))];

    private static DateTimeOffset Next(DateTimeOffset start, StatsGranularity granularity) =>
        granularity == StatsGranularity.Hour ? start.AddHours(1) : start.AddDays(1);
}
