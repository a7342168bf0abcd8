using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// A DevHost whose app reads its app events from the <c>app-events</c> queue itself: <c>AppEvents__Url</c> is set, so
/// ProcessInbound queues every event, and SendAppEvent is disabled (<c>AzureWebJobs.SendAppEvent.Disabled</c>), so nothing
/// else takes them.
/// </summary>
public sealed class AppEventsReaderDevHostFixture : DevHostFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["AppEvents__Url"] = "https://app.example.org/omni-events",
        ["AzureWebJobs.SendAppEvent.Disabled"] = "true",
    };
}

/// <summary>
/// The official Service Bus SDK for JavaScript (tools/amqp/js-conformance.mjs, run with node) against the DevHost's AMQP
/// listener: a batch of message requests and a scheduled one on <c>outbound</c> are routed and delivered by Omni, a
/// cancelled one never arrives, and the delivery reports' app events are read from <c>app-events</c> and completed.
/// </summary>
public sealed class JsSdkEndToEndTests(AppEventsReaderDevHostFixture fixture) : IClassFixture<AppEventsReaderDevHostFixture>
{
    private static readonly TimeSpan NodeBound = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task JsSdk_BatchScheduleAndSubscribe_AreRoutedDeliveredAndTheirAppEventsCompleted()
    {
        var contact = "e2e-js-" + Guid.NewGuid().ToString("N")[..8];
        using (var created = await fixture.Http.PutAsync(new Uri(fixture.Server.BaseAddress, $"api/contacts/{contact}"), new StringContent($$"""
                   { "timeZone": "Etc/UTC", "addresses": { "sms": { "value": "+4474003{{Random.Shared.Next(0, 100_000):D5}}" } } }
                   """, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var run = Guid.NewGuid().ToString("N")[..10];
        JsonObject Request(string n) => new()
        {
            ["id"] = $"js-{run}-{n}",
            ["contactId"] = contact,
            ["category"] = "transactional",
            ["urgency"] = "high",
            ["content"] = new JsonObject { ["text"] = $"JS SDK message {n}" },
        };
        var config = new JsonObject
        {
            ["outbound"] = "outbound",
            ["appEvents"] = "app-events",
            ["messages"] = new JsonArray(Request("1"), Request("2")),
            ["scheduled"] = Request("3"),
            ["scheduleDelayMs"] = 3000,
            ["cancelled"] = Request("4"),
            ["untilStatus"] = "delivered",
            ["timeoutMs"] = 120_000,
        };

        var result = await RunNodeAsync(config.ToJsonString());

        string[] routed = [$"js-{run}-1", $"js-{run}-2", $"js-{run}-3"];
        Assert.Equal(routed, result["sent"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(2, result["batchCount"]!.GetValue<int>());
        var peeked = Assert.Single(result["peeked"]!.AsArray());
        Assert.Equal(($"js-{run}-3", "scheduled"), (peeked!["messageId"]!.GetValue<string>(), peeked["state"]!.GetValue<string>()));
        Assert.Equal(result["scheduled"]!["sequenceNumber"]!.GetValue<string>(), peeked["sequenceNumber"]!.GetValue<string>());
        Assert.DoesNotContain($"js-{run}-4", result["cancelled"]!["peekedAfterCancel"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(result["waitingFor"]!.AsArray());
        var events = result["events"]!.AsArray();
        foreach (var id in routed)
        {
            Assert.Contains(events, e => e!["omniMessageId"]!.GetValue<string>() == id && e["status"]!.GetValue<string>() == "delivered");
        }

        foreach (var id in routed)
        {
            using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, $"api/messages/{id}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("delivered", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        }
        using (var cancelled = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, $"api/messages/js-{run}-4")))
        {
            Assert.Equal(HttpStatusCode.NotFound, cancelled.StatusCode);
        }
        Assert.DoesNotContain(fixture.Queue("outbound").Snapshot(false).Messages, m => m.MessageId == $"js-{run}-4");
        var appEvents = fixture.Queue("app-events").Snapshot(false);
        Assert.Equal((0, 0, 0), (appEvents.Active, appEvents.Locked, appEvents.DeadLettered));
        Assert.True(appEvents.Completed >= events.Count, $"{appEvents.Completed} app events completed, the script read {events.Count}");
    }

    /// <summary>Runs the script with node, bounded; its stdout is one JSON object, its stderr is shown on failure.</summary>
    private async Task<JsonObject> RunNodeAsync(string config)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = TestPaths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["SERVICEBUS_CONNECTION_STRING"] = fixture.Server.Amqp.ConnectionString },
        };
        start.ArgumentList.Add(Path.Combine("tools", "amqp", "js-conformance.mjs"));
        start.ArgumentList.Add(config);
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(NodeBound);
        try
        {
            await node.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"node ran longer than {NodeBound.TotalSeconds} s. stderr:\n{await stderr}\nstdout:\n{await stdout}");
        }
        var output = await stdout;
        Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}. stderr:\n{await stderr}\nstdout:\n{output}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }
}
