using System.Text.Json.Serialization;
using Omni.Core.Contacts;

namespace Omni.Core.Stats;

/// <summary>Bucket size of a stats series (UTC hours or UTC days). Wire names "hour", "day".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StatsGranularity>))]
public enum StatsGranularity
{
    [JsonStringEnumMemberName("hour")] Hour,
    [JsonStringEnumMemberName("day")] Day,
}

/// <summary>Cost in one currency: the total of the sent attempts, and per delivered message (rounded to 6 decimals; null without deliveries).</summary>
public sealed record CostTotal(string Currency, decimal Total, decimal? PerDelivered);

/// <summary>The KPIs of one group of events (a channel, a provider, a bucket, or the routing outcomes).</summary>
public sealed record StatsMetrics
{
    /// <summary>Distinct attempts that reached a send outcome (accepted by a provider, or refused).</summary>
    public int Attempted { get; init; }

    public int Sent { get; init; }

    public int Delivered { get; init; }

    public int Failed { get; init; }

    public int Read { get; init; }

    public int Clicked { get; init; }

    public int Undeliverable { get; init; }

    public int Fallbacks { get; init; }

    public int Escalations { get; init; }

    public int SuppressedConsent { get; init; }

    public int SuppressedQuietHours { get; init; }

    public int Capped { get; init; }

    public int Expired { get; init; }

    public int Replies { get; init; }

    public int CsatResponses { get; init; }

    /// <summary>SMS segments of the sent attempts.</summary>
    public int Segments { get; init; }

    /// <summary><see cref="Delivered"/> / <see cref="Attempted"/>, 0..1; null without attempts.</summary>
    public double? DeliveryRate { get; init; }

    /// <summary>Median delivery latency (attempt start → delivered), ms; the mean of the two middle values for an even count.</summary>
    public double? LatencyMedianMs { get; init; }

    /// <summary>90th percentile of the delivery latency (nearest rank), ms.</summary>
    public double? LatencyP90Ms { get; init; }

    /// <summary>Median time from our message to the contact's reply, ms.</summary>
    public double? ResponseMedianMs { get; init; }

    /// <summary>Average CSAT score (1–5).</summary>
    public double? CsatAverage { get; init; }

    /// <summary>One entry per currency of the sent attempts, ordered by currency code.</summary>
    public IReadOnlyList<CostTotal> Costs { get; init; } = [];

    /// <summary>True when nothing at all was counted.</summary>
    [JsonIgnore]
    public bool IsEmpty => Attempted + Sent + Delivered + Failed + Read + Clicked + Undeliverable + Fallbacks + Escalations
        + SuppressedConsent + SuppressedQuietHours + Capped + Expired + Replies + CsatResponses == 0;
}

/// <summary>One bucket of a series: its UTC start and its metrics.</summary>
public sealed record StatsBucket(DateTimeOffset Start, StatsMetrics Metrics);

/// <summary>A provider within a channel.</summary>
public sealed record ProviderStats(string Provider, StatsMetrics Totals, IReadOnlyList<StatsBucket> Series);

/// <summary>A channel: totals over the period, per provider, and per bucket (buckets without events omitted).</summary>
public sealed record ChannelStats(Channel Channel, StatsMetrics Totals, IReadOnlyList<ProviderStats> Providers, IReadOnlyList<StatsBucket> Series);

/// <summary>The KPIs of a period.</summary>
/// <param name="Buckets">The start of every bucket of the period, empty ones included (for charts).</param>
/// <param name="Routing">Events without a channel: routing outcomes (capped, quiet hours, undeliverable/expired before any attempt).</param>
public sealed record ChannelStatsReport(
    DateTimeOffset From,
    DateTimeOffset To,
    StatsGranularity Granularity,
    IReadOnlyList<DateTimeOffset> Buckets,
    IReadOnlyList<ChannelStats> Channels,
    StatsMetrics Routing);
