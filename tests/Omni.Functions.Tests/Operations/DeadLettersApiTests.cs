using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.ServiceBus;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;
using Omni.Functions.Operations;

namespace Omni.Functions.Tests.Operations;

/// <summary>
/// The dead-letter API through the app, with Service Bus as the network edge: the DevHost's emulator on a real port,
/// spoken to by the app's real REST client (SAS, peek-lock, unlock, delete, send).
/// </summary>
public sealed class DeadLettersApiTests : IAsyncLifetime
{
    private readonly FunctionAppFactory _factory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private ServiceBusEmulator _emulator = null!;
    private WebApplication _serviceBus = null!;
    private WebApplicationFactory<Program> _app = null!;
    private HttpClient _http = null!;
    private ServiceBusClient _client = null!;

    public async Task InitializeAsync()
    {
        var root = Omni.DevHost.DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;
        _emulator = new ServiceBusEmulator(QueueSettings.Load(Path.Combine(root, "infra", "queues.json"), []), TimeProvider.System);
        var address = new Uri($"http://127.0.0.1:{Azurite.FreeTcpPort()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(address.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        _serviceBus = builder.Build();
        _emulator.MapEndpoints(_serviceBus);
        await _serviceBus.StartAsync();

        _client = new ServiceBusClient(ServiceBusEmulator.ConnectionString(address));
        _app = _factory.WithWebHostBuilder(b => b.ConfigureServices(services =>
        {
            services.RemoveAll<ServiceBusClient>();
            services.AddSingleton(_client);
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(_time);
        }));
        _http = _app.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
        await _serviceBus.DisposeAsync();
    }

    private EmulatedQueue Queue(string name) => _emulator.GetQueue(name)!;

    private void DeadLetter(string queue, string id, string body, string? contentType = "application/json")
    {
        var q = Queue(queue);
        q.Enqueue(new IncomingMessage
        {
            Body = Encoding.UTF8.GetBytes(body),
            MessageId = id,
            ContentType = contentType,
            CorrelationId = "corr-" + id,
            ApplicationProperties = new Dictionary<string, object?> { ["tenant"] = "t1" },
        });
        while (!q.Snapshot(false).DeadLetters.Any(m => m.MessageId == id))
        {
            Assert.True(q.TryLock(out var locked));
            q.Abandon(locked, "boom");
        }
    }

    /// <summary>Every dead letter of the queue can be locked right now, i.e. the API left none locked.</summary>
    private async Task<List<string>> AllUnlockedAsync(string queue)
    {
        var receiver = _client.CreateReceiver(queue, ServiceBusSubQueue.DeadLetter);
        var ids = new List<string>();
        var locked = new List<ServiceBusReceivedMessage>();
        while (await receiver.PeekLockAsync() is { } m)
        {
            locked.Add(m);
            ids.Add(m.MessageId);
        }
        foreach (var m in locked)
        {
            await receiver.UnlockAsync(m);
        }
        Assert.Equal(Queue(queue).Snapshot(false).DeadLettered, ids.Count);
        return ids;
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Fact]
    public async Task Count_EveryQueueOfTheQueuesFile_WithItsDeadLetters_AndLeavesThemUnlocked()
    {
        DeadLetter("echo", "e-1", "{}");
        DeadLetter("echo", "e-2", "{}");
        DeadLetter("send-sms", "m-1:0", "{\"messageId\":\"m-1\",\"step\":0}");

        using var response = await _http.GetAsync("/api/ops/deadletters");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal(DeadLettersApi.ScanCap, body["scanCap"]!.GetValue<int>());
        var counts = body["queues"]!.AsArray().ToDictionary(q => q!["queue"]!.GetValue<string>(), q => q!["deadLetters"]!.GetValue<int>());
        Assert.Equal(_emulator.Queues.Select(q => q.Name).Order(), counts.Keys.Order());
        Assert.Equal(2, counts["echo"]);
        Assert.Equal(1, counts["send-sms"]);
        Assert.All(counts.Where(c => c.Key is not ("echo" or "send-sms")), c => Assert.Equal(0, c.Value));
        Assert.Equal(2, (await AllUnlockedAsync("echo")).Count);
        Assert.Single(await AllUnlockedAsync("send-sms"));
    }

    [Fact]
    public async Task Count_MoreThanTheCap_ReportsTheCapAsAtLeast()
    {
        for (var i = 0; i < DeadLettersApi.ScanCap + 3; i++)
        {
            DeadLetter("inbound", $"ev-{i}", "{}");
        }

        var body = await JsonAsync(await _http.GetAsync("/api/ops/deadletters"));

        var inbound = body["queues"]!.AsArray().Single(q => q!["queue"]!.GetValue<string>() == "inbound")!;
        Assert.Equal(DeadLettersApi.ScanCap, inbound["deadLetters"]!.GetValue<int>());
        Assert.True(inbound["atLeast"]!.GetValue<bool>());
        Assert.Equal(DeadLettersApi.ScanCap + 3, (await AllUnlockedAsync("inbound")).Count);
    }

    [Fact]
    public async Task List_ShowsMetadataAndAMaskedBody_WithoutPersonalData()
    {
        DeadLetter("send-sms", "m-7:1", """{"messageId":"m-7","step":1,"to":"+14255550123","text":"Your code is 123456","channel":"sms","pin":12345678}""");

        using var response = await _http.GetAsync("/api/ops/deadletters/send-sms");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("4255550123", raw);
        Assert.DoesNotContain("Your code", raw);
        Assert.DoesNotContain("12345678", raw);
        var message = JsonNode.Parse(raw)!["messages"]!.AsArray().Single()!;
        Assert.Equal("m-7:1", message["messageId"]!.GetValue<string>());
        Assert.Equal(Queue("send-sms").Settings.MaxDeliveryCount, message["deliveryCount"]!.GetValue<int>());
        Assert.Equal("MaxDeliveryCountExceeded", message["reason"]!.GetValue<string>());
        Assert.Contains("Last failure: boom", message["description"]!.GetValue<string>());
        Assert.Equal("application/json", message["contentType"]!.GetValue<string>());
        Assert.Equal("corr-m-7:1", message["correlationId"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"messageId":"m-7","step":1,"to":"***(12)","text":"***(19)","channel":"sms","pin":"***(8 digits)"}"""),
            message["body"]));
        Assert.Single(await AllUnlockedAsync("send-sms"));
    }

    [Fact]
    public async Task List_Max_LimitsAndSaysThereAreMore_NonJsonBodyNotShown()
    {
        DeadLetter("outbound", "o-1", "plain text +14255550123", contentType: "text/plain");
        DeadLetter("outbound", "o-2", "{}");

        var body = await JsonAsync(await _http.GetAsync("/api/ops/deadletters/outbound?max=1"));

        Assert.True(body["more"]!.GetValue<bool>());
        var only = body["messages"]!.AsArray().Single()!;
        Assert.Equal("o-1", only["messageId"]!.GetValue<string>());
        Assert.Null(only["body"]);
        Assert.Equal(23, only["bodyBytes"]!.GetValue<int>());
        Assert.Equal(2, (await AllUnlockedAsync("outbound")).Count);
    }

    [Theory]
    [InlineData("/api/ops/deadletters/no-such-queue")]
    [InlineData("/api/ops/deadletters/echo?max=0")]
    [InlineData("/api/ops/deadletters/echo?max=101")]
    [InlineData("/api/ops/deadletters/echo?max=ten")]
    public async Task List_BadQueueOrMax_400Problem(string path)
    {
        using var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Replay_SendsACopyWithANewIdAndCompletesTheDeadLetter_OthersStayUnlocked()
    {
        DeadLetter("echo", "keep-1", "{}");
        DeadLetter("echo", "again", """{"text":"hello","failUntilDelivery":9}""");
        DeadLetter("echo", "keep-2", "{}");

        using var response = await _http.PostAsync("/api/ops/deadletters/echo/again/replay", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expectedId = $"again:replay:{_time.GetUtcNow().ToUnixTimeSeconds()}";
        var result = await JsonAsync(response);
        Assert.Equal("replayed", result["action"]!.GetValue<string>());
        Assert.Equal(expectedId, result["replayMessageId"]!.GetValue<string>());
        var copy = Queue("echo").Snapshot(includeBodies: true).Messages.Single();
        Assert.Equal(expectedId, copy.MessageId);
        Assert.Equal("""{"text":"hello","failUntilDelivery":9}""", copy.Body);
        Assert.Equal("corr-again", copy.CorrelationId);
        Assert.Equal("again", copy.ApplicationProperties[DeadLettersApi.ReplayOfProperty]);
        Assert.Equal("t1", copy.ApplicationProperties["tenant"]);
        Assert.False(copy.ApplicationProperties.ContainsKey("DeadLetterReason"));
        Assert.Equal(["keep-1", "keep-2"], (await AllUnlockedAsync("echo")).Order());
    }

    [Fact]
    public async Task Discard_CompletesTheDeadLetterAndSendsNothing()
    {
        DeadLetter("escalations", "x-1", "{}");
        DeadLetter("escalations", "x-2", "{}");

        using var response = await _http.PostAsync("/api/ops/deadletters/escalations/x-2/discard", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("discarded", (await JsonAsync(response))["action"]!.GetValue<string>());
        Assert.Empty(Queue("escalations").Snapshot(false).Messages);
        Assert.Equal(["x-1"], await AllUnlockedAsync("escalations"));
    }

    [Fact]
    public async Task Action_UnknownId_404AndEverythingPeekedIsUnlocked()
    {
        DeadLetter("app-events", "ev-1", "{}");
        DeadLetter("app-events", "ev-2", "{}");

        using var response = await _http.PostAsync("/api/ops/deadletters/app-events/ev-9/replay", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Queue("app-events").Snapshot(false).Messages);
        Assert.Equal(2, (await AllUnlockedAsync("app-events")).Count);
    }

    [Theory]
    [InlineData("/api/ops/deadletters/echo/e-1/retry")]
    [InlineData("/api/ops/deadletters/secrets/e-1/discard")]
    public async Task Action_UnknownActionOrQueue_400(string path)
    {
        DeadLetter("echo", "e-1", "{}");

        using var response = await _http.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(await AllUnlockedAsync("echo"));
    }

    /// <summary>Puts a copy on the contract-violations queue as a function does (through the real REST sender).</summary>
    private async Task<Omni.Hosting.ServiceBusTriggerMessage> ViolationAsync(string id, string function, string body)
    {
        var original = new Omni.Hosting.ServiceBusTriggerMessage
        {
            Body = Encoding.UTF8.GetBytes(body), MessageId = id, DeliveryCount = 1, ContentType = "application/json", CorrelationId = "corr-" + id,
            ApplicationProperties = new Dictionary<string, object?> { ["tenant"] = "t1" },
        };
        await _client.CreateSender(ContractViolations.Queue).SendMessageAsync(
            ContractViolations.Copy(function, ContractViolations.FunctionQueues[function], original, "The body is not a valid SendStepCommand: step is required."));
        return original;
    }

    [Fact]
    public async Task ContractViolations_CountedListedWithReasonAndSource_ReplayedToTheOriginalQueue_Discarded()
    {
        await ViolationAsync("cv-1", "SendSms", """{"messageId":"m-1","to":"+14255550123"}""");
        await ViolationAsync("cv-2", "EscalateMessage", "{}");

        var counts = (await JsonAsync(await _http.GetAsync("/api/ops/deadletters")))["queues"]!.AsArray()
            .ToDictionary(q => q!["queue"]!.GetValue<string>(), q => q!["deadLetters"]!.GetValue<int>());
        Assert.Equal(2, counts[ContractViolations.Queue]);

        using var list = await _http.GetAsync($"/api/ops/deadletters/{ContractViolations.Queue}");
        var raw = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain("4255550123", raw);
        var first = JsonNode.Parse(raw)!["messages"]!.AsArray().First(m => m!["messageId"]!.GetValue<string>() == "cv-1")!;
        Assert.Equal("ContractViolation", first["reason"]!.GetValue<string>());
        Assert.Equal("The body is not a valid SendStepCommand: step is required.", first["description"]!.GetValue<string>());
        Assert.Equal("send-sms", first["sourceQueue"]!.GetValue<string>());
        Assert.Equal("SendSms", first["function"]!.GetValue<string>());
        Assert.Equal("***(12)", first["body"]!["to"]!.GetValue<string>());

        using var replayed = await _http.PostAsync($"/api/ops/deadletters/{ContractViolations.Queue}/cv-1/replay", null);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var result = await JsonAsync(replayed);
        Assert.Equal("send-sms", result["replayQueue"]!.GetValue<string>());
        var copy = Queue("send-sms").Snapshot(includeBodies: true).Messages.Single();
        Assert.Equal(result["replayMessageId"]!.GetValue<string>(), copy.MessageId);
        Assert.Equal("""{"messageId":"m-1","to":"+14255550123"}""", copy.Body);
        Assert.Equal("cv-1", copy.ApplicationProperties[DeadLettersApi.ReplayOfProperty]);
        Assert.Equal("t1", copy.ApplicationProperties["tenant"]);
        Assert.All(ContractViolations.AddedProperties, p => Assert.False(copy.ApplicationProperties.ContainsKey(p)));

        using var discarded = await _http.PostAsync($"/api/ops/deadletters/{ContractViolations.Queue}/cv-2/discard", null);
        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        Assert.Empty(Queue(ContractViolations.Queue).Snapshot(false).Messages);
        Assert.Empty(Queue("escalations").Snapshot(false).Messages);
    }

    [Fact]
    public async Task ContractViolation_WithoutAKnownSourceQueue_Replay409_StaysUnlocked()
    {
        await _client.CreateSender(ContractViolations.Queue).SendMessageAsync(new ServiceBusMessage("{}") { MessageId = "cv-x" });

        using var response = await _http.PostAsync($"/api/ops/deadletters/{ContractViolations.Queue}/cv-x/replay", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Queue(ContractViolations.Queue).TryLock(out _));
    }

    [Fact]
    public void Queues_AreExactlyTheQueuesOfTheQueuesFile()
    {
        Assert.Equal(_emulator.Queues.Select(q => q.Name).Order(), DeadLettersApi.Queues.Order());
    }
}
