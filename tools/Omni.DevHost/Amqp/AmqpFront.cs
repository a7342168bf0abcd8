using System.Net.Sockets;
using Amqp;
using Amqp.Listener;
using Amqp.Sasl;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp;

/// <summary>
/// Service Bus's AMQP 1.0 protocol on 127.0.0.1 (plain TCP, as the SDKs use it with <c>UseDevelopmentEmulator=true</c>),
/// in front of the same <see cref="EmulatedQueue"/>s as the REST side: SASL (the SDK's MSSBCBS and ANONYMOUS, then a
/// token on <c>$cbs</c>; or PLAIN with the key name and key), sender and receiver links on queues and their dead-letter
/// sub-queues (<see cref="QueueLinkProcessor"/>), and request/response nodes registered with
/// <see cref="RegisterQueueNode"/> (the management node).
/// </summary>
public sealed class AmqpFront : IAsyncDisposable
{
    /// <summary>Service Bus's AMQP port, which the official emulator and the SDK's development-emulator mode use.</summary>
    public const int DefaultPort = 5672;

    private readonly ContainerHost _host;
    private readonly ServiceBusEmulator _serviceBus;
    private readonly CbsNode _cbs;
    private int _closed;

    private AmqpFront(ContainerHost host, ServiceBusEmulator serviceBus, CbsNode cbs, int port)
    {
        _host = host;
        _serviceBus = serviceBus;
        _cbs = cbs;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The connection string an application pastes to reach this listener with the Service Bus SDKs.</summary>
    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName={ServiceBusEmulator.KeyName};SharedAccessKey={ServiceBusEmulator.Key};UseDevelopmentEmulator=true";

    /// <summary>Starts listening on <paramref name="port"/> (0: a free port).</summary>
    /// <exception cref="PortInUseException">The port is taken.</exception>
    public static AmqpFront Start(ServiceBusEmulator serviceBus, int port, ILoggerFactory loggers)
    {
        if (port != 0)
        {
            PortInUseException.ThrowIfInUse(port, "--amqp-port");
        }
        var chosen = port == 0 ? Storage.Azurite.FreeTcpPort() : port;
        var logger = loggers.CreateLogger("Omni.DevHost.Amqp");
        var host = new ContainerHost(new Address($"amqp://127.0.0.1:{chosen}"));
        var listener = host.Listeners[0];
        // The SDKs open with the anonymous "MSSBCBS" mechanism and then put a token on $cbs for every entity.
        listener.SASL.EnableMechanism((global::Amqp.Types.Symbol)"MSSBCBS", new AnonymousHeaderFirstProfile("MSSBCBS"));
        listener.SASL.EnableMechanism((global::Amqp.Types.Symbol)"ANONYMOUS", new AnonymousHeaderFirstProfile("ANONYMOUS"));
        // Other AMQP clients may sign in with the key name and key instead (authorized for every entity).
        listener.SASL.EnablePlainMechanism(ServiceBusEmulator.KeyName, ServiceBusEmulator.Key);
        listener.HandlerFactory = _ => DeliveryTagHandler.Instance;
        listener.AMQP.MaxFrameSize = 256 * 1024;
        // Request nodes are found by the address without "sb://host/" and slashes: "$cbs", "outbound/$management".
        host.AddressResolver = (_, attach) =>
        {
            // The JS SDK's $cbs receiver names its reply-to only as the link name, with an empty target; the container
            // routes responses by the target address, so give it that name (else no response link, and a crash).
            if (attach.Role && attach.Target is global::Amqp.Framing.Target { Address: null } replyTarget)
            {
                replyTarget.Address = attach.LinkName;
            }
            var address = attach.Role ? (attach.Source as global::Amqp.Framing.Source)?.Address : (attach.Target as global::Amqp.Framing.Target)?.Address;
            // Never null: the host would cast a coordinator target (transactions) to Target; the link processor refuses it.
            return EntityPath(address);
        };
        var cbs = new CbsNode(serviceBus.TokenValidator, serviceBus.TokenTime);
        host.RegisterRequestProcessor(CbsNode.Address, cbs);
        host.RegisterLinkProcessor(new QueueLinkProcessor(serviceBus, cbs, logger));
        try
        {
            host.Open();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            host.Close();
            throw new PortInUseException(chosen, "--amqp-port");
        }
        logger.LogDebug("AMQP listening on 127.0.0.1:{Port}", chosen);
        var front = new AmqpFront(host, serviceBus, cbs, chosen);
        front.RegisterQueueNode(Management.ManagementNode.NodeName, (queue, deadLetter) => new Management.ManagementNode(queue, deadLetter, front.Authorize));
        return front;
    }

    /// <summary>
    /// Registers a request/response node on every queue, at "{queue}/{node}" (e.g. <c>$management</c>, which the SDK
    /// opens at "/{queue}/$management"), and on each dead-letter sub-queue at "{queue}/$DeadLetterQueue/{node}".
    /// The factory gets the queue and whether the node is the dead-letter sub-queue's. The front does not check a
    /// $cbs token for a node's links; a node checks its requests with <see cref="Authorize"/> (the management node does).
    /// </summary>
    public void RegisterQueueNode(string node, Func<EmulatedQueue, bool, IRequestProcessor> factory)
    {
        foreach (var queue in _serviceBus.Queues)
        {
            _host.RegisterRequestProcessor($"{queue.Name}/{node}", factory(queue, false));
            _host.RegisterRequestProcessor($"{queue.Name}/$DeadLetterQueue/{node}", factory(queue, true));
        }
    }

    /// <summary>
    /// Null when a token put on <paramref name="connection"/>'s $cbs node (or SASL PLAIN) covers <paramref name="entityPath"/>
    /// (e.g. "outbound/$management"); otherwise why not, for an amqp:unauthorized-access answer.
    /// </summary>
    public string? Authorize(Connection connection, string entityPath) => _cbs.Authorize(connection, entityPath);

    /// <summary>An AMQP address as an entity path: "sb://host/outbound/" and "/outbound" both give "outbound".</summary>
    internal static string EntityPath(string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return "";
        }
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "sb" or "amqp" or "amqps")
        {
            address = uri.AbsolutePath;
        }
        return Uri.UnescapeDataString(address).Trim('/');
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            // Closes the listening socket and every open connection.
            _host.Close();
        }
        return ValueTask.CompletedTask;
    }
}
