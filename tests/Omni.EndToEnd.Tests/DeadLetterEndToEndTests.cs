using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Omni.Azure.ServiceBus;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Dead letters end to end: Echo messages dead-letter while echo-replies refuses sends (status SendDisabled, as an
/// operator can set on a Service Bus queue); once it is Active again the operations API lists them, one replayed
/// copy completes and replies, the other is discarded, and the dead-letter queue is empty.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class DeadLetterEndToEndTests(DevHostFixture fixture)
{
    private readonly ServiceBusClient _serviceBus = new(fixture.Server.ServiceBusConnectionString);

    private Uri Api(string path) => new(fixture.Server.BaseAddress, "api/ops/deadletters" + path);

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await fixture.AdminHttp.GetAsync(Api(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<HttpResponseMessage> SetStatusAsync(string queue, string status) =>
        await fixture.AdminHttp.PutAsJsonAsync(new Uri(fixture.Server.BaseAddress, $"_devhost/queues/{queue}/status"), new { status });

    private async Task<int> EchoDeadLetterCountAsync() =>
        (await GetJsonAsync("")).AsObject()["queues"]!.AsArray().Single(q => q!["queue"]!.GetValue<string>() == "echo")!["deadLetters"]!.GetValue<int>();

    [Fact]
    public async Task DeadLetteredEcho_ListedReplayedAndCompleted_AnotherDiscarded_QueueEmptyAfterwards()
    {
        // Dead letters other tests of the collection left behind (e.g. the poison-message test) go first.
        foreach (var leftover in (await GetJsonAsync("/echo?max=100"))["messages"]!.AsArray())
        {
            using var discarded = await fixture.AdminHttp.PostAsync(Api($"/echo/{Uri.EscapeDataString(leftover!["messageId"]!.GetValue<string>())}/discard"), null);
            Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        }
        Assert.Equal(0, await EchoDeadLetterCountAsync());

        var replayMe = Guid.NewGuid().ToString("N");
        var discardMe = Guid.NewGuid().ToString("N");
        var sender = _serviceBus.CreateSender("echo");
        using (var disabled = await SetStatusAsync("echo-replies", "SendDisabled"))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }
        try
        {
            foreach (var id in new[] { replayMe, discardMe })
            {
                await sender.SendMessageAsync(new ServiceBusMessage(BinaryData.FromObjectAsJson(new { text = "call +14255550123 back" }))
                {
                    MessageId = id,
                    ContentType = "application/json",
                });
            }
            await DevHostFixture.EventuallyAsync(
                () => fixture.Queue("echo").Snapshot(false).DeadLetters.Select(m => m.MessageId).ToHashSet(),
                ids => ids.Contains(replayMe) && ids.Contains(discardMe),
                "both echo messages to dead-letter while echo-replies refuses sends");
        }
        finally
        {
            using var active = await SetStatusAsync("echo-replies", "Active");
        }

        // Listed, with the reason, the deliveries, and the text masked.
        Assert.Equal(2, await EchoDeadLetterCountAsync());
        var listed = (await GetJsonAsync("/echo"))["messages"]!.AsArray().Select(m => m!).ToList();
        Assert.Equal(new[] { replayMe, discardMe }.Order(), listed.Select(m => m["messageId"]!.GetValue<string>()).Order());
        var maxDeliveryCount = fixture.Queue("echo").Settings.MaxDeliveryCount;
        Assert.All(listed, m =>
        {
            Assert.Equal("MaxDeliveryCountExceeded", m["reason"]!.GetValue<string>());
            Assert.Equal(maxDeliveryCount, m["deliveryCount"]!.GetValue<int>());
            Assert.Equal("***(22)", m["body"]!["text"]!.GetValue<string>());
        });
        Assert.DoesNotContain(fixture.Queue("echo-replies").Snapshot(false).Messages, m => m.MessageId.StartsWith(replayMe, StringComparison.Ordinal));

        // Replayed: the copy runs through Echo and replies.
        using var replayed = await fixture.AdminHttp.PostAsync(Api($"/echo/{replayMe}/replay"), null);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var replayId = JsonNode.Parse(await replayed.Content.ReadAsStringAsync())!["replayMessageId"]!.GetValue<string>();
        Assert.StartsWith($"{replayMe}:replay:", replayId);
        var completed = await DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo").Snapshot(false).RecentlyCompleted.FirstOrDefault(m => m.MessageId == replayId), _ => true, "the replayed copy to complete");
        Assert.Equal(1, completed.DeliveryCount);
        var reply = await DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo-replies").Snapshot(includeBodies: true).Messages.FirstOrDefault(m => m.MessageId == $"{replayId}:echo"), _ => true, "the echo reply");
        Assert.Equal("call +14255550123 back", JsonNode.Parse(reply.Body!)!["text"]!.GetValue<string>());
        Assert.Equal(replayMe, completed.ApplicationProperties["ReplayOf"]);

        // Discarded: gone without a trace on the queue.
        using var discarded2 = await fixture.AdminHttp.PostAsync(Api($"/echo/{discardMe}/discard"), null);
        Assert.Equal(HttpStatusCode.OK, discarded2.StatusCode);
        using var again = await fixture.AdminHttp.PostAsync(Api($"/echo/{discardMe}/discard"), null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        Assert.Equal(0, await EchoDeadLetterCountAsync());
        Assert.Empty((await GetJsonAsync("/echo"))["messages"]!.AsArray());
        Assert.Equal(0, fixture.Queue("echo").Snapshot(false).DeadLettered);
        Assert.DoesNotContain(fixture.Queue("echo").Snapshot(false).RecentlyCompleted, m => m.MessageId.StartsWith(discardMe, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeadLetters_FunctionKeyOrNoKey_Returns401BecauseTheyAreAdminOnly()
    {
        using var withFunctionKey = await fixture.Http.GetAsync(Api(""));
        using var withoutKey = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, Api("/echo/any/discard"))
        {
            Headers = { { Omni.DevHost.Http.FunctionKeys.HeaderName, "" } },
        });

        Assert.Equal(HttpStatusCode.Unauthorized, withFunctionKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal("", await withFunctionKey.Content.ReadAsStringAsync());
    }
}
