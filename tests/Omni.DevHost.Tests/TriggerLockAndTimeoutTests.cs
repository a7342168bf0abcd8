using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

/// <summary>
/// What the host does to an invocation that runs too long, against a stand-in handler (a few lines of Node) that holds
/// every first delivery until told to answer (<c>POST /release</c>) or killed, answers later deliveries at once, and has
/// an HTTP function (<c>GET /api/slow</c>) that never answers. Each test writes host.json and a queues file with tiny
/// durations: past <c>maxAutoLockRenewalDuration</c> the lock lapses and the message comes back while the first run goes
/// on; past <c>functionTimeout</c> the handler is restarted under every invocation in flight.
/// </summary>
public sealed class TriggerLockAndTimeoutTests : IAsyncLifetime
{
    private const string Handler = """
        const http = require('http');
        const held = [], slow = [];
        const answer = res => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"Outputs":{},"Logs":[],"ReturnValue":null}'); };
        http.createServer((req, res) => {
          const chunks = [];
          req.on('data', c => chunks.push(c));
          req.on('end', () => {
            if (req.url === '/') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); return; }
            if (req.url === '/release') { held.splice(0).forEach(answer); answer(res); return; }
            if (req.url === '/slow-in-flight') { res.writeHead(200); res.end(String(slow.length)); return; }
            if (req.url.startsWith('/api/slow')) { slow.push(res); return; } // never answers
            const invocation = JSON.parse(Buffer.concat(chunks).toString());
            if (invocation.Metadata.DeliveryCount === '1') { held.push(res); return; }
            answer(res);
          });
        }).listen(Number(process.argv[2]), '127.0.0.1');
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("omni-locks-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<string> _warnings = new();
    private DevHostServer? _server;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Starts a DevHost on the stand-in app with these host.json and queue durations.</summary>
    private async Task<DevHostServer> StartAsync(string maxAutoLockRenewal, string functionTimeout, string lockDuration)
    {
        File.WriteAllText(Path.Combine(_root, "handler.js"), Handler);
        File.WriteAllText(Path.Combine(_root, "host.json"), $$"""
            { "version": "2.0",
              "customHandler": { "description": { "defaultExecutablePath": "node", "arguments": ["handler.js", "%FUNCTIONS_CUSTOMHANDLER_PORT%"] },
                                 "enableProxyingHttpRequest": true },
              "extensions": { "serviceBus": { "maxAutoLockRenewalDuration": "{{maxAutoLockRenewal}}" } },
              "functionTimeout": "{{functionTimeout}}" }
            """);
        Directory.CreateDirectory(Path.Combine(_root, "Work"));
        File.WriteAllText(Path.Combine(_root, "Work", "function.json"), """
            { "bindings": [ { "type": "serviceBusTrigger", "direction": "in", "name": "message", "queueName": "work", "connection": "ServiceBusConnection", "dataType": "binary" } ] }
            """);
        Directory.CreateDirectory(Path.Combine(_root, "Slow"));
        File.WriteAllText(Path.Combine(_root, "Slow", "function.json"), """
            { "bindings": [ { "type": "httpTrigger", "direction": "in", "name": "req", "route": "slow", "methods": ["get"] },
                            { "type": "http", "direction": "out", "name": "res" } ] }
            """);
        var queues = Path.Combine(_root, "queues.json");
        File.WriteAllText(queues, $$"""{ "defaults": { "lockDuration": "{{lockDuration}}" }, "queues": [ { "name": "work" } ] }""");
        // The stand-in uses no storage: a connection string instead of an Azurite to start.
        _server = await DevHostServer.StartAsync(new DevHostOptions
            {
                AppRoot = _root, Port = 0, QueuesFile = queues, StorageConnectionString = "UseDevelopmentStorage=true",
            },
            logging => logging.AddFilter(level => level >= LogLevel.Warning).AddProvider(new WarningCapture(_warnings)));
        return _server;
    }

    private EmulatedQueue Work => _server!.ServiceBus.GetQueue("work")!;

    private static void Enqueue(EmulatedQueue queue, string id) =>
        queue.Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes("{}"), MessageId = id });

    private static Task<T> EventuallyAsync<T>(Func<T> probe, Func<T, bool> condition, string what) =>
        ProcessFaultDrillTests.EventuallyAsync(probe, condition, what);

    [Fact]
    public async Task SlowInvocation_PastLockRenewal_MessageDeliveredAgainWhileItRuns_LateCompletionChangesNothing()
    {
        // 1 s lock periods renewed for 2 s; a functionTimeout far away.
        var server = await StartAsync(maxAutoLockRenewal: "00:00:02", functionTimeout: "00:01:00", lockDuration: "PT1S");
        Enqueue(Work, "slow");
        await EventuallyAsync(() => server.Handler.InvocationsInFlight, n => n == 1, "the first delivery to be in flight");

        var redelivered = await EventuallyAsync(() => Work.Snapshot(false), s => s.Completed == 1, "the second delivery to complete");

        Assert.Equal(1, server.Handler.InvocationsInFlight); // the first run still goes on
        var completed = Assert.Single(redelivered.RecentlyCompleted);
        Assert.Equal(2, completed.DeliveryCount);
        Assert.StartsWith("the lock lapsed while the function still ran", Assert.Single(completed.Failures));

        // The first run now succeeds: its complete finds the lock lost and changes nothing.
        var handler = await server.Handler.WaitUntilReadyAsync(CancellationToken.None);
        using (await _http.PostAsync(new Uri(handler, "release"), null))
        {
        }
        var lost = await EventuallyAsync(() => _warnings.FirstOrDefault(w => w.Contains("lock was lost", StringComparison.Ordinal)),
            w => w is not null, "the late completion to be logged as lock lost");
        Assert.Contains("MessageId=slow, DeliveryCount=1", lost);
        var after = Work.Snapshot(false);
        Assert.Equal(1, after.Completed);
        Assert.Empty(after.Messages);
        Assert.Empty(after.DeadLetters);
    }

    [Fact]
    public async Task InvocationPastFunctionTimeout_HandlerRestarted_EveryInvocationInFlightFailsAndComesBack()
    {
        // A 4 s functionTimeout; the lock is renewed for longer, so only the timeout acts.
        var server = await StartAsync(maxAutoLockRenewal: "00:05:00", functionTimeout: "00:00:04", lockDuration: "PT1M");
        var pid = server.Handler.ProcessId;
        Enqueue(Work, "stuck");
        await EventuallyAsync(() => server.Handler.InvocationsInFlight, n => n == 1, "the stuck delivery to be in flight");
        // The siblings and the HTTP call start well after the stuck invocation, so they are in flight when it times out
        // but far from their own timeout.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Enqueue(Work, "sibling-1");
        Enqueue(Work, "sibling-2");
        // Slow has no authLevel, so the host's default, function: the call carries the function key.
        var http = _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "api/slow"))
        {
            Headers = { { Http.FunctionKeys.HeaderName, server.Keys.FunctionKey } },
        });
        await EventuallyAsync(() => server.Handler.InvocationsInFlight, n => n == 3, "the siblings to be in flight");
        var handler = await server.Handler.WaitUntilReadyAsync(CancellationToken.None);
        async Task HttpCallInFlightAsync()
        {
            while (await _http.GetStringAsync(new Uri(handler, "slow-in-flight")) != "1")
            {
                await Task.Delay(25);
            }
        }
        await HttpCallInFlightAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, server.Handler.Restarts);

        var done = await EventuallyAsync(() => Work.Snapshot(false), s => s.Completed == 3, "every message to come back and complete");

        Assert.Equal(1, server.Handler.Restarts);
        Assert.NotEqual(pid, server.Handler.ProcessId);
        var byId = done.RecentlyCompleted.ToDictionary(m => m.MessageId);
        Assert.All(byId.Values, m => Assert.Equal(2, m.DeliveryCount));
        Assert.StartsWith("Timeout value of 00:00:04 exceeded by function 'Work'", Assert.Single(byId["stuck"].Failures));
        foreach (var sibling in new[] { "sibling-1", "sibling-2" })
        {
            var failure = Assert.Single(byId[sibling].Failures);
            Assert.StartsWith("the handler did not answer", failure);
            Assert.DoesNotContain("cancel", failure, StringComparison.OrdinalIgnoreCase);
        }
        using var response = await http.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var timeout = Assert.Single(_warnings, w => w.StartsWith("Timeout value", StringComparison.Ordinal));
        Assert.Contains("exceeded by function 'Work'", timeout);
        Assert.Contains("Restarting the handler", timeout);
    }

    /// <summary>Collects the formatted text of every warning the DevHost logs.</summary>
    private sealed class WarningCapture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
