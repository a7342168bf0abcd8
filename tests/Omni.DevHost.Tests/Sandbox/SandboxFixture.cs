using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>A request the test receiver got.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// The sandbox on its own Kestrel (127.0.0.1, free port) and a receiver for its delivery reports (another Kestrel)
/// that records the report posts that arrive and answers with the statuses queued in <see cref="ReceiverStatuses"/> (then 200).
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public const string EventsSecret = "test-events-secret-0123456789abcdef";
    public const string ChatSecret = "test-chat-secret-0123456789abcdefgh";

    private WebApplication? _sandboxApp;
    private WebApplication? _receiverApp;

    public ProviderSandbox Sandbox { get; private set; } = null!;

    public Uri SandboxBase { get; private set; } = null!;

    public Uri ReceiverBase { get; private set; } = null!;

    public ConcurrentQueue<int> ReceiverStatuses { get; } = new();

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>The ACS connection string our clients use, pointing at the sandbox (http, with the path prefix).</summary>
    public string AcsConnection => $"endpoint={SandboxBase}_sandbox/acs/;accesskey={SandboxEnvironment.AcsAccessKey}";

    public string TwilioMessagesUrl => $"{SandboxBase}_sandbox/twilio/2010-04-01/Accounts/{SandboxEnvironment.TwilioAccountSid}/Messages.json";

    public async Task InitializeAsync()
    {
        _receiverApp = Build();
        // Only report posts are recorded: the receiver listens on an ephemeral port, which another test's DevHost may have
        // just handed to a handler that exited, so a stray readiness probe (GET /) can arrive here and must not count.
        _receiverApp.MapPost("/api/webhooks/{**path}", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            Received.Enqueue(new ReceivedRequest(context.Request.Method, $"{context.Request.Path}{context.Request.QueryString}",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), buffer.ToArray()));
            context.Response.StatusCode = ReceiverStatuses.TryDequeue(out var status) ? status : 200;
        });
        await _receiverApp.StartAsync();
        ReceiverBase = new Uri(_receiverApp.Urls.First() + "/");

        _sandboxApp = Build();
        Sandbox = new ProviderSandbox(new ProviderSandboxOptions
        {
            AcsEventsUrl = new Uri(ReceiverBase, "api/webhooks/acs"),
            AcsEventsSecret = EventsSecret,
            AppBaseUrl = ReceiverBase,
            ChatSecret = ChatSecret,
            ReportRetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(150)],
            ReportTimeout = TimeSpan.FromSeconds(5),
        }, NullLoggerFactory.Instance);
        Sandbox.Map(_sandboxApp);
        await _sandboxApp.StartAsync();
        SandboxBase = new Uri(_sandboxApp.Urls.First() + "/");
    }

    /// <summary>Waits until <paramref name="count"/> requests have reached the receiver.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForReceivedAsync(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (Received.Count < count && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }
        Assert.True(Received.Count >= count, $"expected {count} report posts, got {Received.Count}");
        return Received.ToList();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }
        foreach (var app in new[] { _sandboxApp, _receiverApp })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }
}
