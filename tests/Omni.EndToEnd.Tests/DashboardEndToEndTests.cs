using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Omni.DevHost.Sandbox;
using Xunit.Abstractions;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Channel stats and the dashboard on the DevHost: a known mix through the sandbox (a delivered SMS; an SMS ACS refuses,
/// which falls back to a delivered email), the stats API compared counter by counter, then the dashboard rendered by
/// headless Chromium (Debian's <c>chromium</c>; CI installs it) with its DOM checked against the same numbers and a
/// screenshot saved under the test output's <c>artifacts/dashboard.png</c>.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class DashboardEndToEndTests(DevHostFixture fixture, ITestOutputHelper output) : IDisposable
{
    private ProviderSandbox Sandbox => fixture.Server.Sandbox;

    public void Dispose() => Sandbox.Rules.Replace([]);

    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private async Task<(string Id, string Phone)> CreateContactAsync()
    {
        var id = "dash-" + Guid.NewGuid().ToString("N")[..10];
        var phone = "+4474002" + Random.Shared.Next(0, 100_000).ToString("D5", CultureInfo.InvariantCulture);
        using var response = await fixture.Http.PutAsync(Api($"contacts/{id}"), Json($$"""
            { "timeZone": "Etc/UTC", "addresses": { "sms": { "value": "{{phone}}" }, "email": { "value": "{{id}}@example.org" } } }
            """));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (id, phone);
    }

    private async Task<string> SendAsync(string contactId)
    {
        using var response = await fixture.Http.PostAsync(Api("messages"), Json($$"""
            { "contactId": "{{contactId}}", "category": "transactional", "urgency": "high", "strategy": "first",
              "content": { "text": "Your code is 482913", "subject": "Your code" } }
            """));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private Task<JsonElement?> GetJsonAsync(string relative) => GetJsonAsync(Api(relative));

    private async Task<JsonElement?> GetJsonAsync(Uri uri)
    {
        using var response = await fixture.Http.GetAsync(uri);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
    }

    private static JsonElement Channel(JsonElement stats, string name) =>
        stats.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == name);

    private static int Count(JsonElement stats, string channel, string metric) =>
        stats.GetProperty("channels").EnumerateArray().Where(c => c.GetProperty("channel").GetString() == channel)
            .Select(c => c.GetProperty("totals").GetProperty(metric).GetInt32()).SingleOrDefault();

    [Fact]
    public async Task KnownMix_GivesExactCounters_AndTheDashboardRendersThemInChromium()
    {
        var chromium = FindChromium() ?? throw new InvalidOperationException(
            "Headless Chromium is required for the dashboard test and was not found on PATH (chromium or chromium-browser). Install it: apt-get install -y chromium");

        // Earlier tests' late reports must not land in this test's period.
        await Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(15));
        var from = DateTimeOffset.UtcNow;
        var to = from.AddHours(1);
        var statsUri = Api($"stats/channels?from={Uri.EscapeDataString(Iso(from))}&to={Uri.EscapeDataString(Iso(to))}&granularity=hour");

        var (delivered, deliveredPhone) = await CreateContactAsync();
        var (fallsBack, refusedPhone) = await CreateContactAsync();
        Sandbox.Rules.Replace([new SandboxRule { To = refusedPhone, Response = SandboxResponse.Permanent }]);
        var ids = new[] { await SendAsync(delivered), await SendAsync(fallsBack) };
        foreach (var id in ids)
        {
            await DevHostFixture.EventuallyAsync(() => GetJsonAsync($"messages/{id}"), m => m!.Value.GetProperty("status").GetString() == "delivered",
                $"message {id} delivered", TimeSpan.FromSeconds(60));
        }
        // The first contact answers the SMS (ACS → Event Grid → the real webhook path): a reply with a response time.
        using (var reply = await fixture.PostSmsReceivedAsync(deliveredPhone, "Thanks!"))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }
        await DevHostFixture.EventuallyAsync(() => GetJsonAsync(statsUri),
            s => Count(s!.Value, "sms", "delivered") == 1 && Count(s.Value, "email", "delivered") == 1 && Count(s.Value, "sms", "replies") == 1,
            "the stats of the mix", TimeSpan.FromSeconds(30));
        await Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(15));
        var stats = (await GetJsonAsync(statsUri))!.Value;

        // Every counter, exactly.
        Assert.Equal(["sms", "email"], stats.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("channel").GetString()));
        var expected = new Dictionary<(string, string), int>
        {
            [("sms", "attempted")] = 2, [("sms", "sent")] = 1, [("sms", "delivered")] = 1, [("sms", "failed")] = 1, [("sms", "fallbacks")] = 1,
            [("sms", "segments")] = 1,
            [("email", "attempted")] = 1, [("email", "sent")] = 1, [("email", "delivered")] = 1, [("email", "failed")] = 0, [("email", "fallbacks")] = 0,
        };
        string[] zero = ["read", "clicked", "undeliverable", "escalations", "suppressedConsent", "suppressedQuietHours", "capped", "expired", "replies", "csatResponses"];
        foreach (var channel in new[] { "sms", "email" })
        {
            foreach (var metric in zero)
            {
                expected[(channel, metric)] = 0;
            }
        }
        expected[("sms", "replies")] = 1;
        foreach (var ((channel, metric), value) in expected)
        {
            Assert.True(value == Count(stats, channel, metric), $"{channel}.{metric}: expected {value}, got {Count(stats, channel, metric)}");
        }
        var sms = Channel(stats, "sms").GetProperty("totals");
        var email = Channel(stats, "email").GetProperty("totals");
        Assert.Equal(0.5, sms.GetProperty("deliveryRate").GetDouble());
        Assert.Equal(1.0, email.GetProperty("deliveryRate").GetDouble());
        Assert.Equal(("USD", 0.0075m, 0.0075m), Cost(sms));
        Assert.Equal(("USD", 0.00025m, 0.00025m), Cost(email));
        Assert.True(sms.GetProperty("latencyMedianMs").GetDouble() > 0, "SMS delivery latency is measured");
        Assert.True(sms.GetProperty("responseMedianMs").GetDouble() > 0, "the reply's response time is measured");
        Assert.Equal(["acs"], Channel(stats, "sms").GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("provider").GetString()));
        Assert.Equal(0, stats.GetProperty("routing").GetProperty("capped").GetInt32());

        // The dashboard in a real browser: the DOM holds the same numbers.
        // A browser cannot send x-functions-key: the key goes in ?code=, as in Azure.
        var dashboard = new Uri(fixture.Server.BaseAddress,
            $"api/dashboard?from={Uri.EscapeDataString(Iso(from))}&to={Uri.EscapeDataString(Iso(to))}&code={Uri.EscapeDataString(fixture.Server.Keys.FunctionKey)}");
        var dom = await RunChromiumAsync(chromium, "--dump-dom", dashboard.ToString());
        string Cell(string channel, string metric) =>
            Regex.Match(dom, $"<td data-channel=\"{channel}\" data-metric=\"{metric}\" data-value=\"([^\"]*)\">").Groups[1].Value;
        foreach (var channel in new[] { "sms", "email" })
        {
            foreach (var metric in new[] { "attempted", "sent", "delivered", "failed", "fallbacks" })
            {
                Assert.True(Count(stats, channel, metric).ToString(CultureInfo.InvariantCulture) == Cell(channel, metric), $"DOM {channel}.{metric}");
            }
            var totals = Channel(stats, channel).GetProperty("totals");
            Assert.Equal(totals.GetProperty("deliveryRate").GetDouble(), double.Parse(Cell(channel, "deliveryRate"), CultureInfo.InvariantCulture));
            Assert.Equal(Cost(totals).Total, decimal.Parse(Cell(channel, "cost"), CultureInfo.InvariantCulture));
            Assert.Equal(Cost(totals).PerDelivered, decimal.Parse(Cell(channel, "costPerDelivered"), CultureInfo.InvariantCulture));
            Assert.Equal(totals.GetProperty("latencyMedianMs").GetDouble(), double.Parse(Cell(channel, "latencyMedianMs"), CultureInfo.InvariantCulture));
        }
        Assert.Matches("<rect [^>]*data-channel=\"sms\" data-metric=\"attempted\" data-value=\"2\"", dom);
        Assert.Matches("<rect [^>]*data-channel=\"email\" data-metric=\"deliveryRate\" data-value=\"1\"", dom);
        Assert.Matches("<polyline [^>]*data-channel=\"sms\" data-metric=\"trend\"", dom);
        Assert.Contains("SMS: 50% delivered, USD 0.0075 per delivered message", dom, StringComparison.Ordinal);
        Assert.Contains("Email: 100% delivered, USD 0.00025 per delivered message", dom, StringComparison.Ordinal);

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        File.Delete(screenshot);
        await RunChromiumAsync(chromium, $"--screenshot={screenshot}", "--window-size=1280,1600", dashboard.ToString());
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"screenshot too small ({png.Length} bytes)");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        output.WriteLine($"Dashboard screenshot: {screenshot}");
        Console.WriteLine($"Dashboard screenshot: {screenshot}");
    }

    private static (string Currency, decimal Total, decimal PerDelivered) Cost(JsonElement totals)
    {
        var cost = totals.GetProperty("costs").EnumerateArray().Single();
        return (cost.GetProperty("currency").GetString()!, cost.GetProperty("total").GetDecimal(), cost.GetProperty("perDelivered").GetDecimal());
    }

    private static string? FindChromium()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }

    /// <summary>Runs headless Chromium once (own profile directory) and returns its stdout.</summary>
    private static async Task<string> RunChromiumAsync(string chromium, params string[] arguments)
    {
        var profile = Directory.CreateTempSubdirectory("omni-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--headless=new", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars",
                         $"--user-data-dir={profile.FullName}" }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 90 s");
            }
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // a crashed renderer may still hold a file; the temp directory is cleaned by the OS
            }
        }
    }
}
