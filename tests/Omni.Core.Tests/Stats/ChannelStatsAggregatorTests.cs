using Omni.Core.Contacts;
using Omni.Core.Stats;

namespace Omni.Core.Tests.Stats;

public sealed class ChannelStatsAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static StatEvent E(string key, StatKind kind, Channel? channel = Channel.Sms, string? provider = "acs", int minutes = 0,
        string? attempt = null, decimal? cost = null, long? latency = null, long? response = null, int? score = null, int? segments = null) => new()
    {
        Key = key, Kind = kind, Channel = channel, Provider = provider, At = T0.AddMinutes(minutes), Attempt = attempt,
        Cost = cost, Currency = cost is null ? null : "USD", LatencyMs = latency, ResponseMs = response, Score = score, Segments = segments,
    };

    public static TheoryData<long[], double?, double?> Percentiles => new()
    {
        { [], null, null },
        { [7], 7, 7 },
        { [10, 30], 20, 30 },
        { [5, 1, 3], 3, 5 },
        { [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9 },
        { [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100], 6, 10 },
        { [100, 100, 100, 5000], 100, 5000 },
    };

    [Theory]
    [MemberData(nameof(Percentiles))]
    public void MedianAndP90_FollowTheDocumentedDefinitions(long[] values, double? median, double? p90)
    {
        Assert.Equal(median, ChannelStatsAggregator.Median(values));
        Assert.Equal(p90, ChannelStatsAggregator.Percentile(values, 0.9));
    }

    public static TheoryData<int, int, int, double?> Rates => new()
    {
        // sent (and delivered among them), failed at send → attempts, rate
        { 0, 0, 0, null },
        { 4, 4, 0, 1.0 },
        { 4, 3, 0, 0.75 },
        { 1, 1, 1, 0.5 },
        { 0, 0, 3, 0.0 },
    };

    [Theory]
    [MemberData(nameof(Rates))]
    public void DeliveryRate_IsDeliveredOverDistinctAttempts(int sent, int delivered, int failedAtSend, double? rate)
    {
        var events = new List<StatEvent>();
        for (var i = 0; i < sent; i++)
        {
            events.Add(E($"m{i}:0:sent", StatKind.Sent, attempt: $"m{i}:0"));
            if (i < delivered)
            {
                events.Add(E($"m{i}:0:delivered", StatKind.Delivered, attempt: $"m{i}:0", latency: 1000));
            }
        }
        for (var i = 0; i < failedAtSend; i++)
        {
            events.Add(E($"f{i}:0:failed", StatKind.Failed, attempt: $"f{i}:0"));
        }

        var metrics = ChannelStatsAggregator.Metrics(events);

        Assert.Equal(sent + failedAtSend, metrics.Attempted);
        Assert.Equal(delivered, metrics.Delivered);
        Assert.Equal(rate, metrics.DeliveryRate);
    }

    [Fact]
    public void FailedAfterAcceptance_CountsTheAttemptOnce()
    {
        var metrics = ChannelStatsAggregator.Metrics([E("m:0:sent", StatKind.Sent, attempt: "m:0"), E("m:0:failed", StatKind.Failed, attempt: "m:0")]);

        Assert.Equal((1, 1, 1, 0.0), (metrics.Attempted, metrics.Sent, metrics.Failed, metrics.DeliveryRate!.Value));
    }

    public static TheoryData<decimal[], int, decimal, decimal?> Costs => new()
    {
        { [0.0075m], 1, 0.0075m, 0.0075m },
        { [0.0075m, 0.0075m, 0.015m], 3, 0.03m, 0.01m },
        { [0.01m, 0.01m], 3, 0.02m, 0.006667m },
        { [0.0075m], 0, 0.0075m, null },
    };

    [Theory]
    [MemberData(nameof(Costs))]
    public void CostPerDelivered_IsTheTotalOverDeliveredMessages_RoundedTo6Decimals(decimal[] costs, int delivered, decimal total, decimal? perDelivered)
    {
        var events = costs.Select((c, i) => E($"m{i}:0:sent", StatKind.Sent, attempt: $"m{i}:0", cost: c))
            .Concat(Enumerable.Range(0, delivered).Select(i => E($"d{i}:0:delivered", StatKind.Delivered, attempt: $"d{i}:0")));

        var cost = Assert.Single(ChannelStatsAggregator.Metrics(events).Costs);

        Assert.Equal(new CostTotal("USD", total, perDelivered), cost);
    }

    [Fact]
    public void EmptyPeriod_HasEveryBucket_NoChannels_AndEmptyRouting()
    {
        var report = ChannelStatsAggregator.Aggregate([], T0.AddMinutes(30), T0.AddHours(3), StatsGranularity.Hour);

        Assert.Equal([T0, T0.AddHours(1), T0.AddHours(2)], report.Buckets);
        Assert.Empty(report.Channels);
        Assert.True(report.Routing.IsEmpty);
        Assert.Null(report.Routing.DeliveryRate);
        Assert.Null(report.Routing.LatencyMedianMs);
        Assert.Empty(report.Routing.Costs);
    }

    [Fact]
    public void Aggregate_GroupsByChannelProviderAndBucket_DedupsKeys_AndHonoursThePeriod()
    {
        StatEvent[] events =
        [
            E("a:0:sent", StatKind.Sent, attempt: "a:0", cost: 0.0075m, segments: 1),
            E("a:0:sent", StatKind.Sent, attempt: "a:0", cost: 0.0075m, segments: 1), // a redelivered write
            E("a:0:delivered", StatKind.Delivered, attempt: "a:0", latency: 2000, minutes: 1),
            E("b:0:failed", StatKind.Failed, attempt: "b:0", minutes: 70),
            E("b:0:fallback", StatKind.Fallback, attempt: "b:0", minutes: 70),
            E("b:1:sent", StatKind.Sent, Channel.Email, attempt: "b:1", cost: 0.00025m, minutes: 70),
            E("b:1:delivered", StatKind.Delivered, Channel.Email, attempt: "b:1", latency: 500, minutes: 71),
            E("c:0:sent", StatKind.Sent, provider: "twilio", attempt: "c:0", cost: 0.0079m, segments: 2, minutes: 75),
            E("r1:reply", StatKind.Reply, response: 60_000, minutes: 80),
            E("r2:csat", StatKind.Csat, score: 4, minutes: 81),
            E("r3:csat", StatKind.Csat, score: 5, minutes: 82),
            E("x:capped", StatKind.Capped, channel: null, provider: null, minutes: 5),
            E("y:suppressed-consent:sms", StatKind.SuppressedConsent, provider: null, minutes: 5),
            E("late:0:sent", StatKind.Sent, attempt: "late:0", minutes: 180), // at `to`: excluded
            E("early:0:sent", StatKind.Sent, attempt: "early:0", minutes: -1), // before `from`: excluded
        ];

        var report = ChannelStatsAggregator.Aggregate(events, T0, T0.AddHours(3), StatsGranularity.Hour);

        Assert.Equal([Channel.Sms, Channel.Email], report.Channels.Select(c => c.Channel));
        var sms = report.Channels[0].Totals;
        Assert.Equal((3, 2, 1, 1, 1, 1, 1, 2), (sms.Attempted, sms.Sent, sms.Delivered, sms.Failed, sms.Fallbacks, sms.Replies, sms.SuppressedConsent, sms.CsatResponses));
        Assert.Equal(1 / 3.0, sms.DeliveryRate);
        Assert.Equal(3, sms.Segments);
        Assert.Equal(2000, sms.LatencyMedianMs);
        Assert.Equal(60_000, sms.ResponseMedianMs);
        Assert.Equal(4.5, sms.CsatAverage);
        Assert.Equal(new CostTotal("USD", 0.0154m, 0.0154m), Assert.Single(sms.Costs));
        Assert.Equal(["acs", "twilio"], report.Channels[0].Providers.Select(p => p.Provider));
        Assert.Equal((2, 1), (report.Channels[0].Providers[0].Totals.Attempted, report.Channels[0].Providers[1].Totals.Attempted));
        Assert.Equal([T0, T0.AddHours(1)], report.Channels[0].Series.Select(b => b.Start));
        Assert.Equal((1, 1), (report.Channels[0].Series[0].Metrics.Delivered, report.Channels[0].Series[1].Metrics.Failed));
        var email = report.Channels[1].Totals;
        Assert.Equal((1, 1, 1.0, 500.0), (email.Attempted, email.Delivered, email.DeliveryRate!.Value, email.LatencyMedianMs!.Value));
        Assert.Equal(1, report.Routing.Capped);
        Assert.Equal(0, report.Routing.Sent);
    }

    [Fact]
    public void DayBuckets_AreUtcDays()
    {
        var at = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.FromHours(-5)); // 04:30 UTC on the 24th

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), ChannelStatsAggregator.BucketStart(at, StatsGranularity.Day));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero), ChannelStatsAggregator.BucketStart(at, StatsGranularity.Hour));
    }

    [Fact]
    public void Health_ReportsRateAndAttemptsPerChannelWithAttempts()
    {
        var report = ChannelStatsAggregator.Aggregate(
        [
            E("a:0:sent", StatKind.Sent, attempt: "a:0"), E("a:0:delivered", StatKind.Delivered, attempt: "a:0"),
            E("b:0:failed", StatKind.Failed, attempt: "b:0"),
            E("c:suppressed-consent:email", StatKind.SuppressedConsent, Channel.Email, provider: null),
        ], T0, T0.AddHours(1), StatsGranularity.Day);

        var health = Assert.Single(ChannelStatsAggregator.Health(report));

        Assert.Equal(new Omni.Core.Routing.ChannelHealth(Channel.Sms, 0.5, 2), health);
    }
}
