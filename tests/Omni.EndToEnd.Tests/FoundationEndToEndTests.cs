using System.Net;
using System.Text.Json;
using Omni.Azure.ServiceBus;
using Omni.DevHost.ServiceBus;

namespace Omni.EndToEnd.Tests;

/// <summary>The foundation, end to end: the real handler behind the DevHost, Service Bus REST in, trigger out.</summary>
[Collection(DevHostCollection.Name)]
public sealed class FoundationEndToEndTests(DevHostFixture fixture)
{
    private readonly ServiceBusClient _serviceBus = new(fixture.Server.ServiceBusConnectionString);

    private static ServiceBusMessage Echo(string id, string text, int failUntilDelivery = 0) =>
        new(BinaryData.FromObjectAsJson(new { text, failUntilDelivery }))
        {
            MessageId = id,
            ContentType = "application/json",
        };

    private Task<MessageSnapshot> ReplyToAsync(string id) =>
        DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo-replies").Snapshot(includeBodies: true).Messages.FirstOrDefault(m => m.MessageId == $"{id}:echo"),
            _ => true,
            $"the echo reply to {id}");

    [Fact]
    public async Task Health_ThroughTheDevHostProxy_ReportsTableStorageHealthy()
    {
        using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, "api/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownRoute_NotAFunction_Returns404()
    {
        using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, "api/no-such-function"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Echo_SentOverServiceBusRest_TriggerRunsOnceAndReplies()
    {
        var id = Guid.NewGuid().ToString("N");

        await _serviceBus.CreateSender("echo").SendMessageAsync(Echo(id, "hello ünïcode"));

        var reply = await ReplyToAsync(id);
        using var body = JsonDocument.Parse(reply.Body!);
        Assert.Equal("hello ünïcode", body.RootElement.GetProperty("text").GetString());
        Assert.Equal(1, body.RootElement.GetProperty("deliveryCount").GetInt32());
        Assert.Equal(id, body.RootElement.GetProperty("messageId").GetString());
        var completed = await DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo").Snapshot(false).RecentlyCompleted.FirstOrDefault(m => m.MessageId == id), _ => true, "completion");
        Assert.Equal(1, completed.DeliveryCount);
    }

    [Fact]
    public async Task Echo_FailingTwice_RedeliveredAndSucceedsOnTheThirdDelivery()
    {
        var id = Guid.NewGuid().ToString("N");

        await _serviceBus.CreateSender("echo").SendMessageAsync(Echo(id, "retry me", failUntilDelivery: 3));

        var reply = await ReplyToAsync(id);
        using var body = JsonDocument.Parse(reply.Body!);
        Assert.Equal(3, body.RootElement.GetProperty("deliveryCount").GetInt32());
        var completed = await DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo").Snapshot(false).RecentlyCompleted.FirstOrDefault(m => m.MessageId == id), _ => true, "completion");
        Assert.Equal(2, completed.Failures.Count);
        Assert.All(completed.Failures, f => Assert.Contains("500", f));
    }

    [Fact]
    public async Task Echo_PoisonMessage_DeadLetteredAfterMaxDeliveryCountWithoutReply()
    {
        var id = Guid.NewGuid().ToString("N");
        var maxDeliveryCount = fixture.Queue("echo").Settings.MaxDeliveryCount;

        await _serviceBus.CreateSender("echo").SendMessageAsync(Echo(id, "poison", failUntilDelivery: 1000));

        var dead = await DevHostFixture.EventuallyAsync(
            () => fixture.Queue("echo").Snapshot(false).DeadLetters.FirstOrDefault(m => m.MessageId == id), _ => true, "dead-lettering");
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        Assert.Equal(maxDeliveryCount, dead.DeliveryCount);
        Assert.Equal(maxDeliveryCount, dead.Failures.Count);
        Assert.DoesNotContain(fixture.Queue("echo-replies").Snapshot(false).Messages, m => m.MessageId == $"{id}:echo");
    }

    [Fact]
    public async Task Echo_SameMessageSentTwice_DeliveredAndRepliedOnce()
    {
        var id = Guid.NewGuid().ToString("N");
        var sender = _serviceBus.CreateSender("echo");

        await sender.SendMessageAsync(Echo(id, "once"));
        await sender.SendMessageAsync(Echo(id, "once"));

        await ReplyToAsync(id);
        await Task.Delay(300);
        Assert.Single(fixture.Queue("echo").Snapshot(false).RecentlyCompleted, m => m.MessageId == id);
        Assert.Single(fixture.Queue("echo-replies").Snapshot(false).Messages, m => m.MessageId == $"{id}:echo");
    }

    [Fact]
    public async Task Echo_BatchSend_EveryMessageDelivered()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString("N")).ToList();

        await _serviceBus.CreateSender("echo").SendMessagesAsync(ids.Select(id => Echo(id, "batch")));

        foreach (var id in ids)
        {
            await ReplyToAsync(id);
        }
    }

    [Fact]
    public async Task Send_WrongSharedAccessKey_RejectedAndNothingQueued()
    {
        var wrongKey = fixture.Server.ServiceBusConnectionString.Replace(ServiceBusEmulator.Key, Convert.ToBase64String(new byte[32]));
        var id = Guid.NewGuid().ToString("N");
        await using var client = new ServiceBusClient(wrongKey);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.CreateSender("echo").SendMessageAsync(Echo(id, "nope")));

        Assert.Contains("401", error.ToString());
        Assert.DoesNotContain(fixture.Queue("echo").Snapshot(false).Messages, m => m.MessageId == id);
    }

    [Fact]
    public async Task Send_UnknownQueue_Rejected()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _serviceBus.CreateSender("no-such-queue").SendMessageAsync(Echo("x", "y")));

        Assert.Contains("404", error.ToString());
    }
}
