using Microsoft.Extensions.Logging;
using Omni.DevHost;
using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// One DevHost for the end-to-end tests: the real handler executable from functions/bin, started by the DevHost as the
/// Functions host starts it, a private in-memory Azurite, and the queues from infra/queues.json. The sandbox delivers
/// ACS events as in Azure (the acs-events queue) unless a subclass picks <see cref="AcsEvents"/>.
/// </summary>
public class DevHostFixture : IAsyncLifetime
{
    /// <summary>How the sandbox delivers ACS events on this DevHost.</summary>
    protected virtual AcsEventsDelivery AcsEvents => AcsEventsDelivery.Queue;

    /// <summary>How far this DevHost shifts the clock (its <c>--clock</c>); none by default.</summary>
    protected virtual TimeSpan ClockOffset => TimeSpan.Zero;

    /// <summary>Whether this DevHost simulates App Service authentication in Entra ID mode (its <c>--entra</c>).</summary>
    protected virtual bool EntraId => false;

    /// <summary>App settings this DevHost's handler gets besides the tests' defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public DevHostServer Server { get; private set; } = null!;

    /// <summary>Every line the handler wrote (stdout and stderr, as the DevHost relays them), for the log scan.</summary>
    public HandlerOutputCapture HandlerOutput { get; } = new();

    /// <summary>Sends the function key, as an app calling Omni does; anonymous routes (webhooks) ignore it.</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends the master key, as an operator does: for the admin functions (<c>/api/ops/*</c>).</summary>
    public HttpClient AdminHttp { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static readonly TimeSpan EscalateAfterCritical = TimeSpan.FromSeconds(4);

    /// <summary>The app root the DevHost runs: the function app's build output unless a subclass picks another.</summary>
    protected virtual Task<string> AppRootAsync() => Task.FromResult(TestPaths.FunctionAppBuildOutput);

    public async Task InitializeAsync()
    {
        Server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = await AppRootAsync(),
            Port = 0,
            AzuriteTablePort = 0,
            QueuesFile = Path.Combine(TestPaths.RepositoryRoot, "infra", "queues.json"),
            AcsEvents = AcsEvents,
            ClockOffset = ClockOffset,
            EntraId = EntraId,
            // Short escalation deadlines so the escalation scenario runs in seconds.
            HandlerEnvironment = new Dictionary<string, string>(Settings) { ["Routing__EscalateAfterCritical"] = EscalateAfterCritical.ToString("c") },
        }, logging => logging.AddFilter(level => level >= LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true)
            .AddProvider(HandlerOutput).AddFilter<HandlerOutputCapture>(null, LogLevel.Trace));
        Server.Keys.AddTo(Http);
        Server.Keys.AddTo(AdminHttp, admin: true);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        AdminHttp.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>Posts Event Grid events to the ACS webhook as a webhook subscription does: the secret in its header, never the URL.</summary>
    public async Task<HttpResponseMessage> PostAcsEventsAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server.BaseAddress, "api/webhooks/acs"))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(SandboxEnvironment.AcsEventsSecretHeader, SandboxEnvironment.AcsEventsSecret);
        return await Http.SendAsync(request);
    }

    /// <summary>The contact at <paramref name="from"/> texts <paramref name="text"/> to the sandbox number: ACS's SMSReceived event through the webhook.</summary>
    public Task<HttpResponseMessage> PostSmsReceivedAsync(string from, string text)
    {
        var now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return PostAcsEventsAsync($$"""
            [{ "id": "Incoming_{{Guid.NewGuid():N}}", "topic": "/subscriptions/0/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs",
               "subject": "/phonenumber/{{from.TrimStart('+')}}",
               "data": { "MessageId": "Incoming_{{Guid.NewGuid():N}}", "From": "{{from}}", "To": "{{SandboxEnvironment.AcsSmsFrom}}",
                         "Message": "{{text}}", "ReceivedTimestamp": "{{now}}" },
               "eventType": "Microsoft.Communication.SMSReceived", "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "{{now}}" }]
            """);
    }

    public EmulatedQueue Queue(string name) => Server.ServiceBus.GetQueue(name) ?? throw new InvalidOperationException($"No queue {name}.");

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public static Task<T> EventuallyAsync<T>(Func<T?> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null) =>
        EventuallyAsync(() => Task.FromResult(probe()), condition, what, timeout);

    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            T? value;
            try
            {
                value = await probe();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                value = default;
            }
            if (value is not null && condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DevHostCollection : ICollectionFixture<DevHostFixture>
{
    public const string Name = "DevHost";
}

internal static class TestPaths
{
    public static string RepositoryRoot =>
        DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Omni.Functions.sln not found above the test directory.");

    /// <summary>The build configuration of these tests: the test assembly lives in tests/Omni.EndToEnd.Tests/bin/{Configuration}/net10.0/.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>functions/bin/{Configuration}/net10.0, for the configuration these tests were built with.</summary>
    public static string FunctionAppBuildOutput
    {
        get
        {
            var path = Path.Combine(RepositoryRoot, "functions", "bin", Configuration, "net10.0");
            return File.Exists(Path.Combine(path, "host.json"))
                ? path
                : throw new InvalidOperationException($"No built function app at {path}: build the solution first.");
        }
    }
}
