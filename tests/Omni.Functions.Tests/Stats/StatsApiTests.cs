using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Omni.Core.Contacts;
using Omni.Core.Stats;
using Omni.Storage.Stats;

namespace Omni.Functions.Tests.Stats;

/// <summary><c>GET /api/stats/channels</c> and <c>GET /api/dashboard</c> through the app, on Azurite.</summary>
public sealed partial class StatsApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly FunctionAppFactory _factory;
    private readonly HttpClient _http;
    private readonly TableStatsStore _store;

    public StatsApiTests(AzuriteFixture storage)
    {
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };
        _http = _factory.CreateClient();
        _store = new TableStatsStore(storage.CreateServiceClient()); // the app's table, channelstats
    }

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    /// <summary>A period of its own per test (a random hour in 2031), so the shared table holds nothing else there.</summary>
    private static DateTimeOffset NewPeriodStart() => new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(Random.Shared.Next(0, 300 * 24));

    private async Task SeedAsync(DateTimeOffset t)
    {
        StatEvent E(string key, StatKind kind, Channel channel, int minutes, decimal? cost = null, long? latency = null) => new()
        {
            Key = key, Kind = kind, Channel = channel, Provider = "acs", At = t.AddMinutes(minutes), Attempt = key[..key.LastIndexOf(':')],
            Cost = cost, Currency = cost is null ? null : "USD", LatencyMs = latency,
        };
        StatEvent[] events =
        [
            E("a:0:sent", StatKind.Sent, Channel.Sms, 1, cost: 0.0075m), E("a:0:delivered", StatKind.Delivered, Channel.Sms, 2, latency: 1500),
            E("b:0:failed", StatKind.Failed, Channel.Sms, 3), E("b:0:fallback", StatKind.Fallback, Channel.Sms, 3),
            E("b:1:sent", StatKind.Sent, Channel.Email, 3, cost: 0.00025m), E("b:1:delivered", StatKind.Delivered, Channel.Email, 4, latency: 800),
            E("c:0:sent", StatKind.Sent, Channel.Sms, 65, cost: 0.0075m), E("c:0:delivered", StatKind.Delivered, Channel.Sms, 66, latency: 2500),
        ];
        foreach (var e in events)
        {
            await _store.WriteAsync(e, CancellationToken.None);
        }
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ChannelStats_ReturnsTotalsProvidersAndHourlySeries()
    {
        var t = NewPeriodStart();
        await SeedAsync(t);

        using var response = await _http.GetAsync($"/api/stats/channels?from={Iso(t)}&to={Iso(t.AddHours(2))}&granularity=hour");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("hour", root.GetProperty("granularity").GetString());
        Assert.Equal(2, root.GetProperty("buckets").GetArrayLength());
        var channels = root.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(["sms", "email"], channels.Select(c => c.GetProperty("channel").GetString()));
        var sms = channels[0].GetProperty("totals");
        Assert.Equal((3, 2, 2, 1, 1), (sms.GetProperty("attempted").GetInt32(), sms.GetProperty("sent").GetInt32(), sms.GetProperty("delivered").GetInt32(),
            sms.GetProperty("failed").GetInt32(), sms.GetProperty("fallbacks").GetInt32()));
        Assert.Equal(2 / 3.0, sms.GetProperty("deliveryRate").GetDouble());
        Assert.Equal(2000, sms.GetProperty("latencyMedianMs").GetDouble());
        Assert.Equal(2500, sms.GetProperty("latencyP90Ms").GetDouble());
        var cost = sms.GetProperty("costs")[0];
        Assert.Equal(("USD", 0.015m, 0.0075m), (cost.GetProperty("currency").GetString(), cost.GetProperty("total").GetDecimal(), cost.GetProperty("perDelivered").GetDecimal()));
        Assert.Equal("acs", channels[0].GetProperty("providers")[0].GetProperty("provider").GetString());
        Assert.Equal([2, 1], channels[0].GetProperty("series").EnumerateArray().Select(b => b.GetProperty("metrics").GetProperty("attempted").GetInt32()));
        Assert.Equal(1.0, channels[1].GetProperty("totals").GetProperty("deliveryRate").GetDouble());
    }

    [Fact]
    public async Task ChannelStats_DefaultsToTheLast7DaysByDay()
    {
        using var response = await _http.GetAsync("/api/stats/channels");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var from = json.RootElement.GetProperty("from").GetDateTimeOffset();
        var to = json.RootElement.GetProperty("to").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromDays(7), to - from);
        Assert.InRange(DateTimeOffset.UtcNow - to, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal("day", json.RootElement.GetProperty("granularity").GetString());
    }

    [Theory]
    [InlineData("from=2031-01-02&to=2031-01-01", "from must be before to")]
    [InlineData("from=2031-01-01&to=2031-01-01", "from must be before to")]
    [InlineData("from=2031-01-01&to=2031-04-05", "at most 93 days")]
    [InlineData("from=yesterday", "ISO 8601")]
    [InlineData("from=2031-01-01&from=2031-01-02", "ISO 8601")]
    [InlineData("granularity=week", "granularity")]
    public async Task ChannelStats_BadParameters_Are400Problems(string query, string detail)
    {
        using var response = await _http.GetAsync("/api/stats/channels?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelStats_93Days_IsAllowed()
    {
        using var response = await _http.GetAsync("/api/stats/channels?from=2031-01-01&to=2031-04-04");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_IsOneSelfContainedPage_WithTheApisNumbersInDataAttributes()
    {
        var t = NewPeriodStart();
        await SeedAsync(t);

        using var response = await _http.GetAsync($"/api/dashboard?from={Iso(t)}&to={Iso(t.AddHours(2))}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(UrlPattern().Matches(html), m => Assert.Equal("http://www.w3.org/2000/svg", m.Value)); // only the SVG namespace

        string Value(string channel, string metric) =>
            Regex.Match(html, $"<td data-channel=\"{channel}\" data-metric=\"{metric}\" data-value=\"([^\"]*)\"").Groups[1].Value;
        Assert.Equal(("3", "2", "1"), (Value("sms", "attempted"), Value("sms", "delivered"), Value("sms", "fallbacks")));
        Assert.Equal(2 / 3.0, double.Parse(Value("sms", "deliveryRate"), CultureInfo.InvariantCulture));
        Assert.Equal((0.015m, 0.0075m, "2000"), (decimal.Parse(Value("sms", "cost"), CultureInfo.InvariantCulture),
            decimal.Parse(Value("sms", "costPerDelivered"), CultureInfo.InvariantCulture), Value("sms", "latencyMedianMs")));
        Assert.Equal(("1", "1"), (Value("email", "attempted"), Value("email", "deliveryRate")));
        Assert.Contains("SMS: 66.7% delivered, USD 0.0075 per delivered message", html, StringComparison.Ordinal);
        Assert.Matches("<rect [^>]*data-channel=\"sms\" data-metric=\"attempted\" data-value=\"3\"", html);
        Assert.Contains("data-channel=\"sms\" data-metric=\"trend\" data-values=\"2,1\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_BadPeriod_Is400Problem()
    {
        using var response = await _http.GetAsync("/api/dashboard?from=2031-01-01&to=2030-01-01");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("https?://[^\"'\\s)]+")]
    private static partial Regex UrlPattern();
}
