using System.Globalization;
using System.Net;
using System.Text;
using Omni.Core.Contacts;
using Omni.Core.Stats;

namespace Omni.Functions.Stats;

/// <summary>
/// Renders a <see cref="ChannelStatsReport"/> as one self-contained HTML page: verdicts, bar charts (volume, delivery
/// rate), a trend line per channel and a KPI table, all as inline SVG/HTML drawn here (no scripts, fonts or CDN).
/// Every number is machine-checkable: elements carry <c>data-channel</c>, <c>data-metric</c> and the raw invariant value
/// in <c>data-value</c> (rates 0..1, milliseconds, amounts), which equal the JSON of <c>GET /api/stats/channels</c>.
/// </summary>
public static class DashboardPage
{
    private static readonly string[] Palette = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2"];

    /// <summary>The columns of the KPI table: metric name (as in the JSON), header.</summary>
    public static readonly IReadOnlyList<(string Metric, string Header)> TableColumns =
    [
        ("attempted", "Attempted"), ("sent", "Sent"), ("delivered", "Delivered"), ("failed", "Failed"),
        ("deliveryRate", "Delivery rate"), ("latencyMedianMs", "Latency median"), ("latencyP90Ms", "Latency p90"),
        ("read", "Read"), ("clicked", "Clicked"), ("replies", "Replies"), ("responseMedianMs", "Response median"),
        ("fallbacks", "Fallbacks"), ("escalations", "Escalations"), ("suppressedConsent", "Suppressed (consent)"),
        ("undeliverable", "Undeliverable"), ("cost", "Cost"), ("costPerDelivered", "Cost / delivered"), ("csatAverage", "CSAT"),
    ];

    public static string DisplayName(Channel channel) => channel switch
    {
        Channel.Sms => "SMS",
        Channel.Email => "Email",
        Channel.WhatsApp => "WhatsApp",
        Channel.InApp => "In-app",
        Channel.Webhook => "Webhook",
        Channel.Push => "Push",
        _ => channel.Name(),
    };

    /// <summary>"SMS: 98% delivered, USD 0.0075 per delivered message" (or why there is no rate yet).</summary>
    public static string Verdict(ChannelStats channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var name = DisplayName(channel.Channel);
        var t = channel.Totals;
        if (t.DeliveryRate is not { } rate)
        {
            return $"{name}: nothing sent in this period.";
        }
        var text = new StringBuilder(Inv($"{name}: {Percent(rate)} delivered"));
        if (t.Costs.FirstOrDefault(c => c.PerDelivered is not null) is { } cost)
        {
            text.Append(Inv($", {cost.Currency} {cost.PerDelivered!.Value.ToString("0.######", CultureInfo.InvariantCulture)} per delivered message"));
        }
        else if (t.Delivered == 0)
        {
            text.Append(", none delivered");
        }
        if (t.LatencyMedianMs is { } latency)
        {
            text.Append(Inv($", median latency {Duration(latency)}"));
        }
        if (t.CsatAverage is { } csat)
        {
            text.Append(Inv($", CSAT {csat:0.0}/5"));
        }
        return text.Append('.').ToString();
    }

    public static string Render(ChannelStatsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var period = $"{Stamp(report.From)} – {Stamp(report.To)} (UTC, by {(report.Granularity == StatsGranularity.Hour ? "hour" : "day")})";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>Omni — channel dashboard</title><style>")
            .Append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:24px;color:#111827;background:#f9fafb}")
            .Append("h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.period{color:#4b5563;margin:0 0 16px}")
            .Append(".charts{display:flex;flex-wrap:wrap;gap:16px}.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px}")
            .Append("table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #e5e7eb;padding:4px 12px;text-align:right;min-width:90px}")
            .Append("th:first-child,td:first-child{text-align:left}ul.verdicts{font-size:15px;line-height:1.6}.legend span{margin-right:12px}")
            .Append("svg text{font-family:inherit;font-size:11px;fill:#374151}</style></head><body>\n");
        html.Append("<h1>Which channel works for us</h1>");
        html.Append("<p class=\"period\" data-from=\"").Append(Attr(Iso(report.From))).Append("\" data-to=\"").Append(Attr(Iso(report.To)))
            .Append("\" data-granularity=\"").Append(report.Granularity == StatsGranularity.Hour ? "hour" : "day").Append("\">")
            .Append(Text(period)).Append("</p>\n");

        if (report.Channels.Count == 0)
        {
            html.Append("<p class=\"empty\">No messages in this period.</p>\n");
        }
        html.Append("<ul class=\"verdicts\">");
        foreach (var channel in report.Channels)
        {
            html.Append("<li data-channel=\"").Append(channel.Channel.Name()).Append("\" data-metric=\"verdict\">")
                .Append(Text(Verdict(channel))).Append("</li>");
        }
        html.Append("</ul>\n<div class=\"charts\">");
        AppendBars(html, report, "Volume (attempts)", "attempted", c => c.Totals.Attempted, c => c.Totals.Attempted.ToString(CultureInfo.InvariantCulture), null);
        AppendBars(html, report, "Delivery rate", "deliveryRate", c => c.Totals.DeliveryRate ?? 0,
            c => c.Totals.DeliveryRate is { } r ? Percent(r) : "–", 1.0, c => c.Totals.DeliveryRate is { } r ? Num(r) : "");
        AppendTrend(html, report);
        html.Append("</div>\n");
        AppendTable(html, report);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendBars(StringBuilder html, ChannelStatsReport report, string title, string metric, Func<ChannelStats, double> value,
        Func<ChannelStats, string> label, double? max, Func<ChannelStats, string>? raw = null)
    {
        const int width = 360, barHeight = 26, left = 80, right = 60;
        var height = Math.Max(1, report.Channels.Count) * (barHeight + 8) + 28;
        var top = max ?? Math.Max(1, report.Channels.Select(value).DefaultIfEmpty(0).Max());
        html.Append(Inv($"<div class=\"card\"><svg role=\"img\" aria-label=\"{Attr(title)}\" data-chart=\"{metric}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">"));
        html.Append(Inv($"<text x=\"0\" y=\"14\" style=\"font-size:13px;font-weight:600\">{Text(title)}</text>"));
        for (var i = 0; i < report.Channels.Count; i++)
        {
            var c = report.Channels[i];
            var y = 24 + i * (barHeight + 8);
            var w = (width - left - right) * Math.Clamp(value(c) / top, 0, 1);
            html.Append(Inv($"<text x=\"0\" y=\"{y + 17}\">{Text(DisplayName(c.Channel))}</text>"));
            html.Append(Inv($"<rect x=\"{left}\" y=\"{y}\" width=\"{w:0.##}\" height=\"{barHeight}\" fill=\"{Color(c.Channel)}\" data-channel=\"{c.Channel.Name()}\" data-metric=\"{metric}\" data-value=\"{Attr(raw?.Invoke(c) ?? Num(value(c)))}\"></rect>"));
            html.Append(Inv($"<text x=\"{left + w + 6:0.##}\" y=\"{y + 17}\" data-channel=\"{c.Channel.Name()}\" data-metric=\"{metric}-label\">{Text(label(c))}</text>"));
        }
        html.Append("</svg></div>");
    }

    private static void AppendTrend(StringBuilder html, ChannelStatsReport report)
    {
        const int width = 520, height = 220, left = 40, right = 12, top = 24, bottom = 30;
        var buckets = report.Buckets;
        var series = report.Channels.ToDictionary(c => c.Channel, c => c.Series.ToDictionary(b => b.Start, b => b.Metrics.Attempted));
        var max = Math.Max(1, series.Values.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        double X(int i) => buckets.Count <= 1 ? left + (width - left - right) / 2.0 : left + i * (width - left - right) / (double)(buckets.Count - 1);
        double Y(int v) => top + (height - top - bottom) * (1 - v / (double)max);
        html.Append(Inv($"<div class=\"card\"><svg role=\"img\" aria-label=\"Trend\" data-chart=\"trend\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">"));
        html.Append(Inv($"<text x=\"0\" y=\"14\" style=\"font-size:13px;font-weight:600\">Attempts per {(report.Granularity == StatsGranularity.Hour ? "hour" : "day")}</text>"));
        html.Append(Inv($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#9ca3af\"></line>"));
        html.Append(Inv($"<text x=\"{left - 4}\" y=\"{top + 4}\" text-anchor=\"end\">{max}</text><text x=\"{left - 4}\" y=\"{height - bottom}\" text-anchor=\"end\">0</text>"));
        if (buckets.Count > 0)
        {
            html.Append(Inv($"<text x=\"{left}\" y=\"{height - 10}\">{Text(Label(buckets[0], report.Granularity))}</text>"));
            html.Append(Inv($"<text x=\"{width - right}\" y=\"{height - 10}\" text-anchor=\"end\">{Text(Label(buckets[^1], report.Granularity))}</text>"));
        }
        foreach (var channel in report.Channels)
        {
            var values = buckets.Select(b => series[channel.Channel].GetValueOrDefault(b)).ToList();
            var points = string.Join(" ", values.Select((v, i) => Inv($"{X(i):0.##},{Y(v):0.##}")));
            var name = channel.Channel.Name();
            html.Append(Inv($"<polyline fill=\"none\" stroke=\"{Color(channel.Channel)}\" stroke-width=\"2\" points=\"{points}\" data-channel=\"{name}\" data-metric=\"trend\" data-values=\"{string.Join(",", values)}\"></polyline>"));
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i] > 0)
                {
                    html.Append(Inv($"<circle cx=\"{X(i):0.##}\" cy=\"{Y(values[i]):0.##}\" r=\"3\" fill=\"{Color(channel.Channel)}\" data-channel=\"{name}\" data-metric=\"trend-point\" data-bucket=\"{Iso(buckets[i])}\" data-value=\"{values[i]}\"></circle>"));
                }
            }
        }
        html.Append("</svg><div class=\"legend\">");
        foreach (var channel in report.Channels)
        {
            html.Append(Inv($"<span style=\"color:{Color(channel.Channel)}\">■ {Text(DisplayName(channel.Channel))}</span>"));
        }
        html.Append("</div></div>");
    }

    private static void AppendTable(StringBuilder html, ChannelStatsReport report)
    {
        // One column per channel, one row per metric: fits any number of metrics on a page.
        html.Append("<h2>Per channel</h2><table data-table=\"channels\"><thead><tr><th>Metric</th>");
        foreach (var channel in report.Channels)
        {
            html.Append("<th data-channel=\"").Append(channel.Channel.Name()).Append("\">").Append(Text(DisplayName(channel.Channel))).Append("</th>");
        }
        html.Append("</tr></thead><tbody>");
        foreach (var (metric, header) in TableColumns)
        {
            html.Append("<tr data-metric=\"").Append(metric).Append("\"><td>").Append(Text(header)).Append("</td>");
            foreach (var channel in report.Channels)
            {
                var (raw, shown) = Cell(channel.Totals, metric);
                html.Append("<td data-channel=\"").Append(channel.Channel.Name()).Append("\" data-metric=\"").Append(metric).Append("\" data-value=\"")
                    .Append(Attr(raw)).Append("\">").Append(Text(shown)).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>\n");

        var r = report.Routing;
        html.Append("<h2>Routing outcomes (no channel)</h2><table data-table=\"routing\"><tbody>");
        foreach (var (metric, label, value) in new (string, string, int)[]
        {
            ("capped", "Frequency-capped", r.Capped), ("suppressedQuietHours", "Deferred for quiet hours", r.SuppressedQuietHours),
            ("undeliverable", "Undeliverable at routing", r.Undeliverable), ("expired", "Expired at routing", r.Expired),
        })
        {
            html.Append(Inv($"<tr><td>{Text(label)}</td><td data-channel=\"routing\" data-metric=\"{metric}\" data-value=\"{value}\">{value}</td></tr>"));
        }
        html.Append("</tbody></table>\n");
    }

    /// <summary>The raw (invariant, as in the JSON) and displayed text of one table cell; raw is empty when there is no value.</summary>
    public static (string Raw, string Shown) Cell(StatsMetrics m, string metric)
    {
        ArgumentNullException.ThrowIfNull(m);
        static (string, string) Count(int v) => (v.ToString(CultureInfo.InvariantCulture), v.ToString("N0", CultureInfo.InvariantCulture));
        static (string, string) Ms(double? v) => v is { } x ? (Num(x), Duration(x)) : ("", "–");
        var cost = m.Costs.FirstOrDefault();
        return metric switch
        {
            "attempted" => Count(m.Attempted),
            "sent" => Count(m.Sent),
            "delivered" => Count(m.Delivered),
            "failed" => Count(m.Failed),
            "read" => Count(m.Read),
            "clicked" => Count(m.Clicked),
            "replies" => Count(m.Replies),
            "fallbacks" => Count(m.Fallbacks),
            "escalations" => Count(m.Escalations),
            "suppressedConsent" => Count(m.SuppressedConsent),
            "undeliverable" => Count(m.Undeliverable),
            "deliveryRate" => m.DeliveryRate is { } rate ? (Num(rate), Percent(rate)) : ("", "–"),
            "latencyMedianMs" => Ms(m.LatencyMedianMs),
            "latencyP90Ms" => Ms(m.LatencyP90Ms),
            "responseMedianMs" => Ms(m.ResponseMedianMs),
            "cost" => cost is null ? ("", "–") : (cost.Total.ToString(CultureInfo.InvariantCulture), $"{cost.Currency} {cost.Total.ToString("0.######", CultureInfo.InvariantCulture)}"),
            "costPerDelivered" => cost?.PerDelivered is { } per ? (per.ToString(CultureInfo.InvariantCulture), $"{cost.Currency} {per.ToString("0.######", CultureInfo.InvariantCulture)}") : ("", "–"),
            "csatAverage" => m.CsatAverage is { } csat ? (Num(csat), Inv($"{csat:0.0} ({m.CsatResponses})")) : ("", "–"),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
        };
    }

    private static string Color(Channel channel) => Palette[(int)channel % Palette.Length];

    private static string Percent(double rate) => (rate * 100).ToString(rate * 100 % 1 == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + "%";

    private static string Duration(double ms) => ms switch
    {
        < 1000 => Inv($"{ms:0} ms"),
        < 60_000 => Inv($"{ms / 1000:0.0} s"),
        < 3_600_000 => Inv($"{ms / 60_000:0.0} min"),
        _ => Inv($"{ms / 3_600_000:0.0} h"),
    };

    private static string Label(DateTimeOffset at, StatsGranularity granularity) =>
        at.UtcDateTime.ToString(granularity == StatsGranularity.Hour ? "MM-dd HH:00" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(string value) => WebUtility.HtmlEncode(value);

    private static string Attr(string value) => WebUtility.HtmlEncode(value);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
