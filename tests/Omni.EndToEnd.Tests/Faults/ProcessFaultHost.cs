using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Omni.DevHost;
using Omni.DevHost.ServiceBus;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>
/// A private DevHost for one fault test class: the real handler, infra/queues.json, and a private Azurite that keeps its
/// data in a temp folder on a free port, so <c>Server.Storage</c> can be stopped and started without losing anything.
/// </summary>
public abstract class ProcessFaultHostFixture : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("omni-faults-").FullName;

    public DevHostServer Server { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected virtual DeliveryFaults DeliveryFaults => DeliveryFaults.None;

    /// <summary>Settings for the handler on top of the DevHost's sandbox defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> HandlerEnvironment => new Dictionary<string, string>();

    /// <summary>A temp folder of this fixture's, deleted with it.</summary>
    protected string DataFolder => _data;

    /// <summary>The options the DevHost starts with; a fixture may change them (another app folder, queues file, …).</summary>
    protected virtual DevHostOptions Configure(DevHostOptions options) => options;

    public async Task InitializeAsync()
    {
        Server = await DevHostServer.StartAsync(Configure(new DevHostOptions
        {
            AppRoot = TestPaths.FunctionAppBuildOutput,
            Port = 0,
            AzuriteTablePort = 0,
            PrivateAzuriteOnDisk = true,
            AzuriteLocation = Path.Combine(_data, "azurite"),
            QueuesFile = Path.Combine(TestPaths.RepositoryRoot, "infra", "queues.json"),
            DeliveryFaults = DeliveryFaults,
            HandlerEnvironment = HandlerEnvironment,
        }), logging => logging.AddFilter(level => level >= LogLevel.Error).AddSimpleConsole(o => o.SingleLine = true));
        Server.Keys.AddTo(Http);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Posting one-off messages as an app would: an Idempotency-Key, and the same request again after a 5xx or a dropped connection.</summary>
internal static class FaultMessages
{
    public static readonly string[] Channels = ["sms", "email", "whatsapp"];

    /// <summary>A unique address for message <paramref name="index"/> on <paramref name="channel"/>.</summary>
    public static string Address(string channel, string run, int index) => channel == "email"
        ? $"fault-{run}-{index}@example.org"
        : "+4474001" + (Math.Abs(run.GetHashCode(StringComparison.Ordinal)) % 10).ToString("D1") + index.ToString("D4");

    public static string Body(string channel, string address, int index) => $$"""
        { "to": { "{{channel}}": "{{address}}" }, "category": "transactional", "urgency": "normal",
          "content": { "text": "Fault drill message {{index}}", "subject": "Fault drill {{index}}" } }
        """;

    /// <summary>
    /// POSTs until the app accepts (2xx) and returns the message id. 5xx answers and connection failures (the handler or
    /// storage down) are retried with the same key and body; a 4xx fails the test. Counts the refused tries.
    /// </summary>
    public static async Task<(string Id, int Refused)> PostUntilAcceptedAsync(HttpClient http, Uri baseAddress, string body, string key,
        TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var refused = 0;
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "api/messages"))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    using var json = JsonDocument.Parse(text);
                    return (json.RootElement.GetProperty("id").GetString()!, refused);
                }
                Assert.True((int)response.StatusCode >= 500, $"POST /api/messages: {(int)response.StatusCode} {text}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            refused++;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"POST /api/messages (key {key}) not accepted within {timeout.TotalSeconds:0} s ({refused} refused tries).");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The <c>totals</c> of each channel in <c>GET /api/stats/channels</c> over the last hour (and the next).</summary>
    public static async Task<Dictionary<string, JsonElement>> ChannelTotalsAsync(HttpClient http, Uri baseAddress)
    {
        var now = DateTimeOffset.UtcNow;
        var from = Uri.EscapeDataString(now.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(now.AddHours(1).ToString("O"));
        var text = await http.GetStringAsync(new Uri(baseAddress, $"api/stats/channels?from={from}&to={to}&granularity=hour"));
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("channels").EnumerateArray()
            .ToDictionary(c => c.GetProperty("channel").GetString()!, c => c.GetProperty("totals").Clone());
    }

    public static long Metric(Dictionary<string, JsonElement> totals, string channel, string metric) =>
        totals.TryGetValue(channel, out var t) && t.TryGetProperty(metric, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
}
