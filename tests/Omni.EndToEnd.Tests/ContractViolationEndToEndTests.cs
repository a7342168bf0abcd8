using System.Net;
using System.Text.Json.Nodes;
using Omni.Azure.ServiceBus;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Contract violations end to end on the DevHost: an invalid request on <c>outbound</c> and an invalid send step on
/// <c>send-sms</c>, put there through the emulator's REST endpoint, are each delivered once (completed at delivery 1,
/// never dead-lettered by Service Bus), appear on the contract-violations queue in <c>GET /api/ops/deadletters</c>
/// with reason, description and original queue; the outbound one is recorded as rejected; replay sends the copy back
/// to its original queue, discard removes it.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class ContractViolationEndToEndTests(DevHostFixture fixture)
{
    private const string Violations = "contract-violations";
    private readonly ServiceBusClient _serviceBus = new(fixture.Server.ServiceBusConnectionString);

    private Uri Api(string path) => new(fixture.Server.BaseAddress, "api/" + path);

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await fixture.AdminHttp.GetAsync(Api(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task SendAsync(string queue, string id, string body) =>
        await _serviceBus.CreateSender(queue).SendMessageAsync(new ServiceBusMessage(body) { MessageId = id, ContentType = "application/json" });

    private Task<DevHost.ServiceBus.MessageSnapshot> CompletedAsync(string queue, string id) =>
        DevHostFixture.EventuallyAsync(() => fixture.Queue(queue).Snapshot(false).RecentlyCompleted.FirstOrDefault(m => m.MessageId == id), _ => true,
            $"{id} to complete on {queue}");

    [Fact]
    public async Task InvalidMessages_DeliveredOnce_ListedWithReason_ReplayedAndDiscarded()
    {
        var outboundId = "cv-o-" + Guid.NewGuid().ToString("N")[..12];
        var stepId = "cv-s-" + Guid.NewGuid().ToString("N")[..12];
        await SendAsync("outbound", outboundId, """{"to":{"sms":"+14255550123"},"category":"transactional"}""");
        await SendAsync("send-sms", stepId, """{"messageId":"m-1","to":"+14255550123"}""");

        // Delivered once and completed: not retried, not dead-lettered by Service Bus.
        Assert.Equal(1, (await CompletedAsync("outbound", outboundId)).DeliveryCount);
        Assert.Equal(1, (await CompletedAsync("send-sms", stepId)).DeliveryCount);
        Assert.DoesNotContain(fixture.Queue("outbound").Snapshot(false).DeadLetters, m => m.MessageId == outboundId);
        Assert.DoesNotContain(fixture.Queue("send-sms").Snapshot(false).DeadLetters, m => m.MessageId == stepId);

        // The operations API shows both on the violations queue, with reason, description and original queue, masked.
        var counts = (await GetJsonAsync("ops/deadletters"))["queues"]!.AsArray();
        Assert.True(counts.Single(q => q!["queue"]!.GetValue<string>() == Violations)!["deadLetters"]!.GetValue<int>() >= 2);
        using var listResponse = await fixture.AdminHttp.GetAsync(Api($"ops/deadletters/{Violations}?max=100"));
        var raw = await listResponse.Content.ReadAsStringAsync();
        Assert.DoesNotContain("4255550123", raw);
        var listed = JsonNode.Parse(raw)!["messages"]!.AsArray().Select(m => m!).ToDictionary(m => m["messageId"]!.GetValue<string>());
        var outbound = listed[outboundId];
        Assert.Equal("ContractViolation", outbound["reason"]!.GetValue<string>());
        Assert.Contains("content: Required", outbound["description"]!.GetValue<string>());
        Assert.Equal("outbound", outbound["sourceQueue"]!.GetValue<string>());
        Assert.Equal("RouteMessage", outbound["function"]!.GetValue<string>());
        var step = listed[stepId];
        Assert.Equal("ContractViolation", step["reason"]!.GetValue<string>());
        Assert.Contains("step is required", step["description"]!.GetValue<string>());
        Assert.Equal("send-sms", step["sourceQueue"]!.GetValue<string>());
        Assert.Equal("SendSms", step["function"]!.GetValue<string>());

        // GET /api/messages/{id} explains the rejected request.
        var message = await GetJsonAsync($"messages/{outboundId}");
        Assert.Equal("rejected", message["status"]!.GetValue<string>());

        // Replay: back to outbound under a new MessageId, routed (ReplayOf) as the same message; still invalid, so it is copied again.
        using var replayed = await fixture.AdminHttp.PostAsync(Api($"ops/deadletters/{Violations}/{outboundId}/replay"), null);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var result = JsonNode.Parse(await replayed.Content.ReadAsStringAsync())!;
        Assert.Equal("outbound", result["replayQueue"]!.GetValue<string>());
        var replayId = result["replayMessageId"]!.GetValue<string>();
        var replay = await CompletedAsync("outbound", replayId);
        Assert.Equal(1, replay.DeliveryCount);
        Assert.Equal(outboundId, replay.ApplicationProperties["ReplayOf"]);
        await DevHostFixture.EventuallyAsync(() => fixture.Queue(Violations).Snapshot(false).Messages.Select(m => m.MessageId).ToHashSet(),
            ids => ids.Contains(replayId) && !ids.Contains(outboundId), "the replayed copy to be copied again, the first one gone");

        // Discard: gone, nothing sent anywhere.
        using var discarded = await fixture.AdminHttp.PostAsync(Api($"ops/deadletters/{Violations}/{stepId}/discard"), null);
        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        Assert.DoesNotContain(fixture.Queue(Violations).Snapshot(false).Messages, m => m.MessageId == stepId);
        Assert.DoesNotContain(fixture.Queue("send-sms").Snapshot(false).Messages, m => m.MessageId.StartsWith(stepId, StringComparison.Ordinal));

        using var cleanup = await fixture.AdminHttp.PostAsync(Api($"ops/deadletters/{Violations}/{Uri.EscapeDataString(replayId)}/discard"), null);
        Assert.Equal(HttpStatusCode.OK, cleanup.StatusCode);
    }
}
