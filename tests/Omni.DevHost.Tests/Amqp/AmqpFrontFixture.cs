using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.DevHost.Amqp;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>
/// A Service Bus emulator with its AMQP front on a free port, and an official SDK client for it. Every SDK call in the
/// tests is bounded (<see cref="Timeout"/>, the client's TryTimeout) so a broken listener fails a test instead of hanging it.
/// </summary>
public sealed class AmqpFrontFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public AmqpFrontFixture(params QueueSettings[] queues)
    {
        ServiceBus = new ServiceBusEmulator(queues.Length > 0 ? queues : [QueueSettings.Default("outbound")], TimeProvider.System);
        Front = AmqpFront.Start(ServiceBus, 0, NullLoggerFactory.Instance);
        Client = NewClient(Front.ConnectionString);
    }

    public ServiceBusEmulator ServiceBus { get; }

    public AmqpFront Front { get; }

    public ServiceBusClient Client { get; }

    public EmulatedQueue Queue(string name) => ServiceBus.GetQueue(name)!;

    public static ServiceBusClient NewClient(string connectionString) => new(connectionString, new ServiceBusClientOptions
    {
        RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(15) },
    });

    public static CancellationToken Bounded() => new CancellationTokenSource(Timeout).Token;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Front.DisposeAsync();
    }
}
