using System.Text.Json;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using Omni.Azure.Communication.Sms;
using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>
/// The sandbox inside a running DevHost, with a stand-in handler (a few lines of Node) that shows its environment and
/// records what reaches its webhook routes: the handler gets the sandbox settings; a delivery report becomes, by
/// default, one Event Grid message on the emulated acs-events queue (the handler here has no function for it, so it
/// stays there to be looked at), and with <see cref="AcsEventsDelivery.Webhook"/> travels through the DevHost's own
/// proxy to <c>/api/webhooks/acs</c> with the secret in <c>X-Omni-Secret</c>.
/// </summary>
public sealed class DevHostSandboxTests : IAsyncLifetime
{
    private const string Handler = """
        const http = require('http');
        const received = [];
        http.createServer((req, res) => {
          const chunks = [];
          req.on('data', c => chunks.push(c));
          req.on('end', () => {
            res.setHeader('content-type', 'application/json');
            if (req.url === '/') { res.end('{}'); return; }
            if (req.url === '/api/env') { res.end(JSON.stringify(process.env)); return; }
            if (req.url === '/api/received') { res.end(JSON.stringify(received)); return; }
            received.push({ url: req.url, eventType: req.headers['aeg-event-type'] || null, secret: req.headers['x-omni-secret'] || null, body: Buffer.concat(chunks).toString('utf8') });
            res.end('{}');
          });
        }).listen(Number(process.argv[2]), '127.0.0.1');
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("omni-sandbox-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private DevHostServer _server = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(AcsEventsDelivery? acsEvents = null, bool declareAcsEventsQueue = true)
    {
        File.WriteAllText(Path.Combine(_root, "handler.js"), Handler);
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            { "version": "2.0",
              "customHandler": { "description": { "defaultExecutablePath": "node", "arguments": ["handler.js", "%FUNCTIONS_CUSTOMHANDLER_PORT%"] },
                                 "enableProxyingHttpRequest": true } }
            """);
        foreach (var (name, route, methods) in new[] { ("Webhooks", "webhooks/{provider}", "\"post\""), ("Env", "env", "\"get\""), ("Received", "received", "\"get\"") })
        {
            Directory.CreateDirectory(Path.Combine(_root, name));
            File.WriteAllText(Path.Combine(_root, name, "function.json"), $$"""
                { "bindings": [
                    { "type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", "methods": [{{methods}}], "route": "{{route}}" },
                    { "type": "http", "direction": "out", "name": "res" } ] }
                """);
        }
        // The stand-in app declares acs-events like infra/queues.json, without a function for it.
        File.WriteAllText(Path.Combine(_root, "queues.json"), declareAcsEventsQueue ? """{ "queues": [ { "name": "acs-events" } ] }""" : """{ "queues": [] }""");
        var options = new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
            LocalSettingsFile = Path.Combine(_root, "absent.settings.json"),
            QueuesFile = Path.Combine(_root, "queues.json"),
        };
        _server = await DevHostServer.StartAsync(acsEvents is { } mode ? options with { AcsEvents = mode } : options,
            logging => logging.AddFilter(level => level >= LogLevel.Warning));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Sends one SMS with a delivery report through the sandbox, with the handler's own settings.</summary>
    private async Task<string> SendSmsAsync(Func<string, string> env)
    {
        var sms = new SmsClient(env("AcsConnection"), new SmsClientOptions { Retry = { MaxRetries = 0 } });
        var sent = await sms.SendAsync(env("AcsSms__From"), "+14255550123", "hello", new SmsSendOptions(enableDeliveryReport: true));
        Assert.True(sent.Value.Successful);
        return sent.Value.MessageId!;
    }

    private async Task<Func<string, string>> HandlerEnvironmentAsync()
    {
        var env = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/env"))).RootElement.Clone();
        return name => env.GetProperty(name).GetString()!;
    }

    [Fact]
    public async Task DefaultAcsEvents_ReportIsOneEventGridMessageOnAcsEvents_NotAWebhookPost()
    {
        await StartAsync();
        var providerMessageId = await SendSmsAsync(await HandlerEnvironmentAsync());

        var queue = _server.ServiceBus.GetQueue(SandboxEnvironment.AcsEventsQueue)!;
        MessageSnapshot? message = null;
        for (var i = 0; i < 100 && message is null; i++)
        {
            await Task.Delay(50);
            message = queue.Snapshot(includeBodies: true).Messages.SingleOrDefault();
        }
        Assert.NotNull(message);
        // The body is the event itself, not an array: what Event Grid's Service Bus handler writes.
        var @event = EventGridEvent.Parse(BinaryData.FromString(message.Body!));
        Assert.Equal("Microsoft.Communication.SMSDeliveryReportReceived", @event.EventType);
        using var data = JsonDocument.Parse(@event.Data.ToString());
        Assert.Equal(providerMessageId, data.RootElement.GetProperty("messageId").GetString());
        Assert.True(Guid.TryParse(message.MessageId, out _), "MessageId is Event Grid's own event id");
        var properties = message.ApplicationProperties;
        Assert.Equal(message.MessageId, properties["aeg-output-event-id"]);
        Assert.Equal("Notification", properties["aeg-event-type"]);
        Assert.Equal(SandboxEnvironment.EventSubscriptionName, properties["aeg-subscription-name"]);
        Assert.Equal("0", properties["aeg-delivery-count"]);
        Assert.Equal("1", properties["aeg-metadata-version"]);
        Assert.Equal("1.0", properties["aeg-data-version"]);
        Assert.True(_server.Sandbox.Calls.List().Single().ReportPosted);
        Assert.Equal("[]", await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/received")));
        using var sandbox = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "_devhost/sandbox")));
        Assert.Equal(SandboxEnvironment.AcsEventsQueue, sandbox.RootElement.GetProperty("acs").GetProperty("eventsQueue").GetString());
    }

    [Fact]
    public async Task DefaultAcsEvents_WithoutTheQueue_SendsNoAcsEvents_NotEvenToTheWebhook()
    {
        await StartAsync(declareAcsEventsQueue: false);

        await SendSmsAsync(await HandlerEnvironmentAsync());
        await Task.Delay(1000); // past the sandbox's 500 ms report delay

        Assert.Null(_server.ServiceBus.GetQueue(SandboxEnvironment.AcsEventsQueue));
        var call = Assert.Single(_server.Sandbox.Calls.List());
        Assert.False(call.ReportPosted);
        Assert.Contains("no Event Grid subscriber", call.ReportNote, StringComparison.Ordinal);
        Assert.Equal("[]", await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/received")));
    }

    [Fact]
    public async Task WebhookAcsEvents_HandlerGetsSandboxSettings_AndAcsReportsArriveThroughTheProxy()
    {
        await StartAsync(AcsEventsDelivery.Webhook);
        var root = _server.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var env = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/env")));
        string Env(string name) => env.RootElement.GetProperty(name).GetString()!;
        Assert.Equal($"endpoint={root}/_sandbox/acs/;accesskey={SandboxEnvironment.AcsAccessKey}", Env("AcsConnection"));
        Assert.Equal($"{root}/_sandbox/twilio", Env("Twilio__BaseUrl"));
        Assert.Equal(root, Env("Omni__PublicBaseUrl"));
        Assert.Equal(SandboxEnvironment.AcsEventsSecret, Env("AcsEvents__Secret"));

        var providerMessageId = await SendSmsAsync(Env);

        JsonElement report = default;
        for (var i = 0; i < 100 && report.ValueKind == JsonValueKind.Undefined; i++)
        {
            await Task.Delay(50);
            using var received = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/received")));
            if (received.RootElement.GetArrayLength() > 0)
            {
                report = received.RootElement[0].Clone();
            }
        }
        Assert.Equal("/api/webhooks/acs", report.GetProperty("url").GetString());
        Assert.Equal(SandboxEnvironment.AcsEventsSecret, report.GetProperty("secret").GetString());
        Assert.Equal("Notification", report.GetProperty("eventType").GetString());
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromString(report.GetProperty("body").GetString()!)));
        Assert.Equal("Microsoft.Communication.SMSDeliveryReportReceived", @event.EventType);
        using var calls = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "_devhost/sandbox/calls")));
        Assert.Equal(providerMessageId, Assert.Single(calls.RootElement.EnumerateArray().ToList()).GetProperty("providerMessageId").GetString());
        Assert.Equal(0, _server.ServiceBus.GetQueue(SandboxEnvironment.AcsEventsQueue)!.Snapshot(includeBodies: false).Active);
    }
}
