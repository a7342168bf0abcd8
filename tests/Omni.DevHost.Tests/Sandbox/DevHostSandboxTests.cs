using System.Text.Json;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using Omni.Azure.Communication.Sms;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>
/// The sandbox inside a running DevHost, with a stand-in handler (a few lines of Node) that shows its environment and
/// records what reaches its webhook routes: the handler gets the sandbox settings, and a delivery report travels
/// through the DevHost's own proxy to <c>/api/webhooks/acs?secret=…</c>.
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
            received.push({ url: req.url, eventType: req.headers['aeg-event-type'] || null, body: Buffer.concat(chunks).toString('utf8') });
            res.end('{}');
          });
        }).listen(Number(process.argv[2]), '127.0.0.1');
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("omni-sandbox-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private DevHostServer _server = null!;

    public async Task InitializeAsync()
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
        _server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
            LocalSettingsFile = Path.Combine(_root, "absent.settings.json"),
        }, logging => logging.AddFilter(level => level >= LogLevel.Warning));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Handler_GetsSandboxSettings_AndAcsReportsArriveThroughTheProxy()
    {
        var root = _server.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var env = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "api/env")));
        string Env(string name) => env.RootElement.GetProperty(name).GetString()!;
        Assert.Equal($"endpoint={root}/_sandbox/acs/;accesskey={SandboxEnvironment.AcsAccessKey}", Env("AcsConnection"));
        Assert.Equal($"{root}/_sandbox/twilio", Env("Twilio__BaseUrl"));
        Assert.Equal(root, Env("Omni__PublicBaseUrl"));
        Assert.Equal(SandboxEnvironment.AcsEventsSecret, Env("AcsEvents__Secret"));

        var sms = new SmsClient(Env("AcsConnection"), new SmsClientOptions { Retry = { MaxRetries = 0 } });
        var sent = await sms.SendAsync(Env("AcsSms__From"), "+14255550123", "hello", new SmsSendOptions(enableDeliveryReport: true));
        Assert.True(sent.Value.Successful);

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
        Assert.Equal($"/api/webhooks/acs?secret={SandboxEnvironment.AcsEventsSecret}", report.GetProperty("url").GetString());
        Assert.Equal("Notification", report.GetProperty("eventType").GetString());
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromString(report.GetProperty("body").GetString()!)));
        Assert.Equal("Microsoft.Communication.SMSDeliveryReportReceived", @event.EventType);
        using var calls = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_server.BaseAddress, "_devhost/sandbox/calls")));
        Assert.Equal(sent.Value.MessageId, Assert.Single(calls.RootElement.EnumerateArray().ToList()).GetProperty("providerMessageId").GetString());
    }
}
