using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;

namespace Omni.DevHost.Tests;

/// <summary>Duplicate and out-of-order delivery (<see cref="DeliveryFaults"/>) on the emulated queue and its admin endpoint.</summary>
public sealed class DeliveryFaultsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    private EmulatedQueue Queue(DeliveryFaults faults, int maxDeliveryCount = 3)
    {
        var queue = new EmulatedQueue(QueueSettings.Default("q") with { MaxDeliveryCount = maxDeliveryCount }, _time);
        queue.Faults = faults;
        return queue;
    }

    private static IncomingMessage Message(string id) => new() { Body = Encoding.UTF8.GetBytes("body-" + id), MessageId = id };

    private static List<QueuedMessage> LockAll(EmulatedQueue queue)
    {
        var locked = new List<QueuedMessage>();
        while (queue.TryLock(out var m))
        {
            locked.Add(m);
        }
        return locked;
    }

    [Fact]
    public void Duplicate_EveryMessageDeliveredTwice_SameIdAndBody_SeparateLocks()
    {
        var queue = Queue(new DeliveryFaults { Duplicate = true });
        queue.Enqueue(Message("a"));
        queue.Enqueue(Message("b"));

        var locked = LockAll(queue);

        Assert.Equal(["a", "a", "b", "b"], locked.Select(m => m.MessageId));
        Assert.Equal(4, locked.Select(m => m.LockToken).Distinct().Count());
        Assert.Equal(4, locked.Select(m => m.SequenceNumber).Distinct().Count());
        Assert.Same(locked[0].Message.Body, locked[1].Message.Body);
        Assert.Equal([false, true], locked.Take(2).Select(m => m.IsDuplicateDelivery));
        Assert.All(locked, m => Assert.Equal(1, m.DeliveryCount));
        Assert.Equal(2, queue.DuplicateDeliveries);
    }

    [Fact]
    public void Duplicate_CompletingOneCopy_LeavesTheOtherLockedAndSettleable()
    {
        var queue = Queue(new DeliveryFaults { Duplicate = true });
        queue.Enqueue(Message("a"));
        Assert.True(queue.TryLock(out var first));
        Assert.True(queue.TryLock(out var second));

        queue.Complete(first);

        Assert.Equal(MessageState.Locked, second.State);
        Assert.Equal(1, queue.Snapshot(false).Locked);
        queue.Abandon(second, "boom");
        Assert.True(queue.TryLock(out var again));
        Assert.Same(second, again);
        Assert.Equal(2, again.DeliveryCount);
        queue.Complete(again);
        Assert.Equal(2, queue.CompletedCount);
        Assert.Empty(queue.Snapshot(false).Messages);
    }

    [Fact]
    public void Duplicate_EachCopyDeadLettersOnItsOwn()
    {
        var queue = Queue(new DeliveryFaults { Duplicate = true }, maxDeliveryCount: 1);
        queue.Enqueue(Message("a"));
        Assert.True(queue.TryLock(out var first));
        Assert.True(queue.TryLock(out var second));

        queue.Abandon(first, "boom");
        queue.Complete(second);

        var snapshot = queue.Snapshot(false);
        var dead = Assert.Single(snapshot.DeadLetters);
        Assert.Equal("a", dead.MessageId);
        Assert.Equal(1, snapshot.Completed);
    }

    [Fact]
    public void Duplicate_DuplicateDetectionStillDropsARepeatedSend()
    {
        var queue = Queue(new DeliveryFaults { Duplicate = true });

        Assert.Equal(EnqueueOutcome.Accepted, queue.Enqueue(Message("a")));
        Assert.Equal(EnqueueOutcome.Duplicate, queue.Enqueue(Message("a")));

        Assert.Equal(2, LockAll(queue).Count);
    }

    [Fact]
    public void ShuffleWindow_DeliversOutOfOrder_EveryMessageExactlyOnce_ReproduciblyForASeed()
    {
        List<string> Run(int seed)
        {
            var queue = Queue(new DeliveryFaults { ShuffleWindow = 4, Seed = seed });
            for (var i = 0; i < 20; i++)
            {
                queue.Enqueue(Message(i.ToString("D2")));
            }
            return LockAll(queue).Select(m => m.MessageId).ToList();
        }

        var order = Run(7);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString("D2")), order.Order(StringComparer.Ordinal));
        Assert.NotEqual(order.Order(StringComparer.Ordinal), order);
        Assert.Equal(order, Run(7));
        // A window of 4 lets a message overtake at most 3 older ones: the i-th lock is never older than the first i unlocked.
        for (var i = 0; i < order.Count; i++)
        {
            Assert.True(int.Parse(order[i]) <= i + 3, $"lock {i} took message {order[i]}");
        }
    }

    [Fact]
    public void NoFaults_DeliversInOrderOnce()
    {
        var queue = Queue(DeliveryFaults.None);
        queue.Enqueue(Message("a"));
        queue.Enqueue(Message("b"));

        Assert.Equal(["a", "b"], LockAll(queue).Select(m => m.MessageId));
        Assert.Equal(0, queue.DuplicateDeliveries);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void InvalidShuffleWindow_IsRefused(int window)
    {
        var queue = Queue(DeliveryFaults.None);

        Assert.Throws<ArgumentException>(() => queue.Faults = new DeliveryFaults { ShuffleWindow = window });
    }

    [Fact]
    public async Task AdminEndpoint_SetsAndShowsTheFaults_AndRefusesBadInput()
    {
        var emulator = new ServiceBusEmulator([QueueSettings.Default("work")], _time);
        var baseAddress = new Uri($"http://127.0.0.1:{Azurite.FreeTcpPort()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(baseAddress.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        await using var app = builder.Build();
        emulator.MapEndpoints(app);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

        using var set = await http.PutAsync("_devhost/queues/work/faults",
            new StringContent("""{"duplicate":true,"shuffleWindow":3,"seed":5}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(new DeliveryFaults { Duplicate = true, ShuffleWindow = 3, Seed = 5 }, emulator.GetQueue("work")!.Faults);

        using var snapshot = JsonDocument.Parse(await http.GetStringAsync("_devhost/queues/work"));
        Assert.True(snapshot.RootElement.GetProperty("faults").GetProperty("duplicate").GetBoolean());
        Assert.Equal(3, snapshot.RootElement.GetProperty("faults").GetProperty("shuffleWindow").GetInt32());

        using var bad = await http.PutAsync("_devhost/queues/work/faults",
            new StringContent("""{"shuffleWindow":0}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        using var unknown = await http.PutAsJsonAsync("_devhost/queues/nope/faults", new DeliveryFaults());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(3, emulator.GetQueue("work")!.Faults.ShuffleWindow);
    }
}
