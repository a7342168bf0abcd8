using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.DevHost.Amqp;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>The SDK's ServiceBusProcessor on the AMQP front, and the listener's lifetime.</summary>
public class AmqpProcessorTests
{
    [Fact]
    public async Task Processor_ReadsAppEvents_AndItsAutoCompleteRemovesThem()
    {
        await using var fixture = new AmqpFrontFixture(QueueSettings.Default("app-events"));
        await using var sender = fixture.Client.CreateSender("app-events");
        for (var i = 1; i <= 5; i++)
        {
            await sender.SendMessageAsync(new ServiceBusMessage($"event-{i}") { MessageId = $"e-{i}" }, AmqpFrontFixture.Bounded());
        }
        var seen = new ConcurrentDictionary<string, int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = fixture.Client.CreateProcessor("app-events", new ServiceBusProcessorOptions { MaxConcurrentCalls = 2 });
        processor.ProcessMessageAsync += args =>
        {
            seen.AddOrUpdate(args.Message.Body.ToString(), 1, (_, n) => n + 1);
            if (seen.Count == 5)
            {
                all.TrySetResult();
            }
            return Task.CompletedTask;
        };
        processor.ProcessErrorAsync += args =>
        {
            all.TrySetException(args.Exception);
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync(AmqpFrontFixture.Bounded());
        await all.Task.WaitAsync(AmqpFrontFixture.Timeout);
        var queue = fixture.Queue("app-events");
        for (var wait = 0; queue.CompletedCount < 5 && wait < 300; wait++)
        {
            await Task.Delay(100);
        }
        await processor.StopProcessingAsync(AmqpFrontFixture.Bounded());

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"event-{i}").Order(), seen.Keys.Order());
        Assert.All(seen.Values, n => Assert.Equal(1, n));
        Assert.Equal(5, queue.CompletedCount);
        Assert.Empty(queue.Snapshot(false).Messages);
    }

    [Fact]
    public async Task Dispose_ReleasesThePortAndClosesOpenConnections()
    {
        var serviceBus = new ServiceBusEmulator([QueueSettings.Default("outbound")], TimeProvider.System);
        var front = AmqpFront.Start(serviceBus, 0, NullLoggerFactory.Instance);
        var client = AmqpFrontFixture.NewClient(front.ConnectionString);
        await using (var sender = client.CreateSender("outbound"))
        {
            await sender.SendMessageAsync(new ServiceBusMessage("x"), AmqpFrontFixture.Bounded());
        }

        await front.DisposeAsync();

        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, front.Port));
        }
        await using var again = client.CreateSender("outbound");
        await Assert.ThrowsAnyAsync<Exception>(() => again.SendMessageAsync(new ServiceBusMessage("y"), AmqpFrontFixture.Bounded()));
        await client.DisposeAsync();
    }
}
