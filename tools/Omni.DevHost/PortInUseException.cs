using System.Net;
using System.Net.Sockets;

namespace Omni.DevHost;

/// <summary>A port the DevHost must bind is taken; the message is the one line the command prints.</summary>
public sealed class PortInUseException(int port, string option)
    : IOException($"port {port} is in use ({option}); stop the other process or pass {option} <free port>")
{
    public int Port { get; } = port;

    /// <summary>Throws when <paramref name="port"/> cannot be bound on 127.0.0.1 now: checked before anything starts, so nothing needs undoing.</summary>
    public static void ThrowIfInUse(int port, string option)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new PortInUseException(port, option);
        }
    }
}
