using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Omni.Core.Stats;
using Omni.Functions.Http;
using Omni.Core;

namespace Omni.Functions.Stats;

/// <summary>
/// <c>GET /api/stats/channels?from=&amp;to=&amp;granularity=hour|day</c> (function ChannelStats): KPIs per channel and
/// provider over <c>[from, to)</c>, totals and a series per UTC hour or day; and <c>GET /api/dashboard?from=&amp;to=</c>
/// (function Dashboard): the same numbers as one self-contained HTML page. Defaults: the last 7 days, by day. The period
/// may span at most <see cref="MaxPeriodDays"/> days; a bad value is a 400 problem.
/// </summary>
public static class StatsApi
{
    public const int MaxPeriodDays = 93;

    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(7);

    /// <summary>The dashboard charts hourly buckets up to this period, daily ones beyond.</summary>
    public static readonly TimeSpan DashboardHourlyUpTo = TimeSpan.FromHours(48);

    /// <summary>The report's JSON: web defaults, nulls left out; source-generated metadata only.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = ApiJson.Resolver,
    };

    public static void MapStatsApi(this WebApplication app)
    {
        app.MapGet("/api/stats/channels", GetChannelStatsAsync).WithName("ChannelStats").RequireAuthorization(CallerRoles.Operations).WithTags("Stats")
            .WithSummary($"Channel KPIs over [from, to) (ISO 8601; default the last 7 days, at most {MaxPeriodDays} days), per channel, provider and hour|day.")
            .Produces<ChannelStatsReport>().ProducesProblem(400);
        app.MapGet("/api/dashboard", GetDashboardAsync).WithName("Dashboard").RequireAuthorization(CallerRoles.Operations).WithTags("Stats")
            .WithSummary("A self-contained HTML dashboard comparing the channels over [from, to).")
            .Produces(200, contentType: "text/html").ProducesProblem(400);
    }

    internal static async Task<IResult> GetChannelStatsAsync(HttpRequest http, IStatsStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ReadPeriod(http.Query, clock.GetUtcNow(), out var from, out var to) is { } problem)
        {
            return problem;
        }
        var granularity = StatsGranularity.Day;
        var raw = http.Query["granularity"].ToString();
        if (raw.Length > 0)
        {
            if (raw is "day" or "hour")
            {
                granularity = raw == "hour" ? StatsGranularity.Hour : StatsGranularity.Day;
            }
            else
            {
                return Problems.BadRequest("granularity must be 'hour' or 'day'.");
            }
        }
        var events = await store.ReadAsync(from, to, cancellationToken);
        return TypedResults.Json(ChannelStatsAggregator.Aggregate(events, from, to, granularity), Json.TypeInfo<ChannelStatsReport>());
    }

    internal static async Task<IResult> GetDashboardAsync(HttpRequest http, HttpResponse response, IStatsStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ReadPeriod(http.Query, clock.GetUtcNow(), out var from, out var to) is { } problem)
        {
            return problem;
        }
        var granularity = to - from <= DashboardHourlyUpTo ? StatsGranularity.Hour : StatsGranularity.Day;
        var events = await store.ReadAsync(from, to, cancellationToken);
        var report = ChannelStatsAggregator.Aggregate(events, from, to, granularity);
        // Self-contained: nothing may load from elsewhere (no scripts at all; inline styles and SVG only).
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(DashboardPage.Render(report), "text/html; charset=utf-8");
    }

    /// <summary>Reads <c>from</c>/<c>to</c>; null when valid, else the 400 problem.</summary>
    internal static IResult? ReadPeriod(IQueryCollection query, DateTimeOffset now, out DateTimeOffset from, out DateTimeOffset to)
    {
        from = default;
        to = default;
        DateTimeOffset? parsedFrom = null, parsedTo = null;
        foreach (var (name, target) in new[] { ("from", 0), ("to", 1) })
        {
            var values = query[name];
            if (values.Count == 0)
            {
                continue;
            }
            if (values.Count > 1 || !TryParseInstant(values[0], out var value))
            {
                return Problems.BadRequest($"{name} must be one ISO 8601 date or date-time (e.g. 2026-11-23 or 2026-11-23T12:00:00Z).");
            }
            if (target == 0)
            {
                parsedFrom = value;
            }
            else
            {
                parsedTo = value;
            }
        }
        to = parsedTo ?? now;
        from = parsedFrom ?? to - DefaultPeriod;
        if (from >= to)
        {
            return Problems.BadRequest("from must be before to.");
        }
        if (to - from > TimeSpan.FromDays(MaxPeriodDays))
        {
            return Problems.BadRequest($"The period may span at most {MaxPeriodDays} days.");
        }
        return null;
    }

    // Years 2–9998 only: the default period and the aggregator's buckets step past the ends of DateTimeOffset's range.
    private static bool TryParseInstant(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value)
        && text!.Length >= 10 && char.IsDigit(text[0]) && value.Year is >= 2 and <= 9998;
}
