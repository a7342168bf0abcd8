using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Omni.Azure.Tables;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

/// <summary>
/// The DevHost's process fault drills against a stand-in handler (a few lines of Node with one serviceBusTrigger
/// function that hangs on a message's first delivery and succeeds on later ones) and a private Azurite keeping its data
/// on disk: killing the handler mid-invocation, the failure budget, and stopping and starting Azurite.
/// </summary>
public sealed class ProcessFaultDrillTests : IAsyncLifetime
{
    private const string Handler = """
        const http = require('http');
        http.createServer((req, res) => {
          const chunks = [];
          req.on('data', c => chunks.push(c));
          req.on('end', () => {
            if (req.url === '/') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); return; }
            const invocation = JSON.parse(Buffer.concat(chunks).toString());
            if (invocation.Metadata.DeliveryCount === '1') { return; } // hangs until killed
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ Outputs: {}, Logs: ['done ' + invocation.Metadata.MessageId], ReturnValue: null }));
          });
        }).listen(Number(process.argv[2]), '127.0.0.1');
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("omni-drill-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private DevHostServer _server = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_root, "handler.js"), Handler);
        File.WriteAllText(Path.Combine(_root, "host.json"), """
            { "version": "2.0",
              "customHandler": { "description": { "defaultExecutablePath": "node", "arguments": ["handler.js", "%FUNCTIONS_CUSTOMHANDLER_PORT%"] } } }
            """);
        Directory.CreateDirectory(Path.Combine(_root, "Work"));
        File.WriteAllText(Path.Combine(_root, "Work", "function.json"), """
            { "bindings": [ { "type": "serviceBusTrigger", "direction": "in", "name": "message", "queueName": "work", "connection": "ServiceBusConnection" } ] }
            """);
        _server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            AzuriteTablePort = 0,
            PrivateAzuriteOnDisk = true,
            AzuriteLocation = Path.Combine(_root, "azurite"),
        }, logging => logging.AddFilter(level => level >= LogLevel.Critical));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private EmulatedQueue Work => _server.ServiceBus.GetQueue("work")!;

    /// <summary>Polls <paramref name="probe"/> until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    internal static async Task<T> EventuallyAsync<T>(Func<T> probe, Func<T, bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = probe();
            if (condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(25);
        }
    }

    [Fact]
    public void Banner_AfterStart_NamesPortsAzuriteAndItsDataTheSandboxModeAndKeys()
    {
        var azurite = _server.Storage!;

        var banner = _server.Banner;

        Assert.Matches(@"^\d+\.\d+\.\d+$", azurite.Version);
        Assert.Equal(
        [
            "Omni DevHost",
            $"  devhost  {_server.BaseAddress} (functions at /api, Service Bus, /_devhost, /_sandbox)",
            $"  amqp     Endpoint=sb://127.0.0.1:{_server.Amqp.Port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={ServiceBusEmulator.Key};UseDevelopmentEmulator=true (Service Bus SDKs)",
            $"  handler  port {_server.Handler.Port} (a free port, new on each restart)",
            $"  storage  Azurite {azurite.Version} started by the DevHost on port {azurite.TablePort}, tables in {Path.Combine(_root, "azurite")}",
            "  sandbox  no ACS events: the queues file has no acs-events queue (add it, or pass --acs-events webhook)",
            "  keys     x-functions-key (or ?code=) local-function-key for authLevel function, local-master-key for admin (--no-keys turns the check off)",
        ], banner);
    }

    [Fact]
    public async Task HandlerKilledMidInvocation_DeliveryFails_MessageIsRedeliveredAndCompleted_NeverLost()
    {
        Work.Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes("{}"), MessageId = "m1" });
        await EventuallyAsync(() => _server.Handler.InvocationsInFlight, n => n == 1, "the first delivery to be in flight");
        var before = _server.Handler.ProcessId;

        var killed = _server.Handler.Kill();

        Assert.Equal(before, killed);
        var done = await EventuallyAsync(() => Work.Snapshot(false), s => s.Completed == 1, "the redelivery to complete");
        var message = Assert.Single(done.RecentlyCompleted);
        Assert.Equal("m1", message.MessageId);
        Assert.Equal(2, message.DeliveryCount);
        Assert.StartsWith("the handler did not answer", Assert.Single(message.Failures));
        Assert.Empty(done.DeadLetters);
        Assert.NotEqual(before, _server.Handler.ProcessId);
        Assert.Equal(1, _server.Handler.Restarts);
    }

    [Fact]
    public async Task HandlerCrashingOnItsOwn_DeliveriesWaitForTheRestart_InsteadOfBurningTheirDeliveryCount()
    {
        Work.Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes("{}"), MessageId = "m2" });
        await EventuallyAsync(() => _server.Handler.InvocationsInFlight, n => n == 1, "the first delivery to be in flight");
        var pid = _server.Handler.ProcessId!.Value;

        // Not through Kill(): the DevHost learns of it only from the dropped connection and the exit.
        System.Diagnostics.Process.GetProcessById(pid).Kill();

        var done = await EventuallyAsync(() => Work.Snapshot(false), s => s.Completed == 1, "the redelivery to complete");
        var message = Assert.Single(done.RecentlyCompleted);
        Assert.True(message.DeliveryCount <= 3, $"{message.DeliveryCount} deliveries: {string.Join(" | ", message.Failures)}");
        Assert.Empty(done.DeadLetters);
    }

    [Fact]
    public async Task DeliberateKills_DoNotUseUpTheFailureBudget_TheDevHostKeepsRunning()
    {
        for (var i = 1; i <= 4; i++)
        {
            await _server.Handler.WaitUntilReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            using var response = await _http.PostAsync(new Uri(_server.BaseAddress, "_devhost/handler/kill"), null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(body.RootElement.GetProperty("killedPid").GetInt32() > 0);
            await EventuallyAsync(() => _server.Handler.Restarts, n => n == i, $"restart {i}");
        }

        var pid = await _server.Handler.WaitUntilReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotNull(_server.Handler.ProcessId);
        Assert.False(_server.WaitForShutdownAsync().IsCompleted, "four deliberate kills stopped the DevHost");
        Work.Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes("{}"), MessageId = "after-kills" });
        await EventuallyAsync(() => _server.Handler.InvocationsInFlight, n => n == 1, "a delivery after the kills");
    }

    [Fact]
    public async Task AzuriteStoppedAndStarted_SamePort_DataKept_UnreachableWhileStopped()
    {
        var storage = _server.Storage!;
        Assert.True(storage.Owned);
        var table = new TableClient(_server.StorageConnectionString, "drill");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["value"] = "kept" });
        var port = storage.TablePort;

        await storage.StopAsync();

        Assert.False(storage.IsRunning);
        Assert.Null(storage.ProcessId);
        await Assert.ThrowsAnyAsync<Exception>(() => new TcpProbe(port).ConnectAsync());

        await storage.StartAsync();

        Assert.True(storage.IsRunning);
        Assert.Equal(port, storage.TablePort);
        var entity = await table.GetEntityAsync<TableEntity>("p", "r");
        Assert.Equal("kept", entity.Value["value"]);
    }

    [Fact]
    public async Task StorageEndpoints_StopAndStartAzurite()
    {
        using (var stop = await _http.PostAsync(new Uri(_server.BaseAddress, "_devhost/storage/stop"), null))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            using var body = JsonDocument.Parse(await stop.Content.ReadAsStringAsync());
            Assert.False(body.RootElement.GetProperty("running").GetBoolean());
        }
        Assert.False(_server.Storage!.IsRunning);

        using (var start = await _http.PostAsync(new Uri(_server.BaseAddress, "_devhost/storage/start"), null))
        {
            Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        }
        Assert.True(_server.Storage.IsRunning);
        using var unknown = await _http.PostAsync(new Uri(_server.BaseAddress, "_devhost/storage/explode"), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private sealed class TcpProbe(int port)
    {
        public async Task ConnectAsync()
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
        }
    }
}
