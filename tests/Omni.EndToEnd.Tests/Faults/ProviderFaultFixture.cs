using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Omni.DevHost;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>
/// A DevHost of its own for the provider-fault tests (its sandbox rules would disturb other tests): the real handler,
/// a private in-memory Azurite, infra/queues.json, and a 2 s Twilio timeout (<c>Twilio__TimeoutSeconds</c>) so that a
/// sandbox answer held past it costs seconds, not the default 30.
/// </summary>
public sealed class ProviderFaultFixture : IAsyncLifetime
{
    /// <summary>Omni's Twilio client timeout on this DevHost.</summary>
    public static readonly TimeSpan TwilioTimeout = TimeSpan.FromSeconds(2);

    public DevHostServer Server { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public ProviderSandbox Sandbox => Server.Sandbox;

    public async Task InitializeAsync()
    {
        Server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = TestPaths.FunctionAppBuildOutput,
            Port = 0,
            AzuriteTablePort = 0,
            QueuesFile = Path.Combine(TestPaths.RepositoryRoot, "infra", "queues.json"),
            HandlerEnvironment = new Dictionary<string, string>
            {
                ["Twilio__TimeoutSeconds"] = TwilioTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        }, logging => logging.AddFilter(level => level >= LogLevel.Error).AddSimpleConsole(o => o.SingleLine = true));
        Server.Keys.AddTo(Http);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    private Uri Api(string relative) => new(Server.BaseAddress, "api/" + relative);

    /// <summary>Posts a one-off message to inline addresses (<c>channel → address</c>) and returns its id.</summary>
    public async Task<string> SendAsync(IReadOnlyDictionary<string, string> to, string text, string strategy = "first", string urgency = "high")
    {
        var body = JsonSerializer.Serialize(new
        {
            to,
            channels = to.Keys.ToArray(),
            category = "transactional",
            urgency,
            strategy,
            content = new { text, subject = "Fault run" },
        });
        using var response = await Http.PostAsync(Api("messages"), new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"POST /api/messages: {(int)response.StatusCode} {answer}");
        using var document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> GetMessageAsync(string id)
    {
        using var response = await Http.GetAsync(Api("messages/" + Uri.EscapeDataString(id)));
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>A fresh UK mobile number for this run (unique per call within the process).</summary>
    public static string NewMobile() => "+4474" + Interlocked.Increment(ref _nextNumber).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    private static int _nextNumber = Random.Shared.Next(10_000_000, 80_000_000);
}

[CollectionDefinition(Name)]
public sealed class ProviderFaultCollection : ICollectionFixture<ProviderFaultFixture>
{
    public const string Name = "ProviderFaults";
}
