using System.Net;
using System.Net.Sockets;
using Omni.DevHost.Storage;

namespace Omni.DevHost.Tests;

public sealed class FreeTcpPortTests
{
    [Fact]
    public void Ports_AreBelowTheEphemeralRange_DistinctAndBindable()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => Azurite.FreeTcpPort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 20000, 31999));
        foreach (var port in ports.Take(20))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            Assert.Equal(port, ((IPEndPoint)listener.LocalEndpoint).Port);
        }
    }

    [Fact]
    public void APortInUse_IsNotHandedOut()
    {
        // Ports already bound by someone else are skipped: hold a block of them and none comes back.
        var held = new List<TcpListener>();
        try
        {
            for (var port = 20000; port < 20500; port++)
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                try
                {
                    listener.Start();
                    held.Add(listener);
                }
                catch (SocketException)
                {
                    // Somebody else's: also in use.
                }
            }
            var handedOut = Enumerable.Range(0, 500).Select(_ => Azurite.FreeTcpPort()).ToList();
            Assert.DoesNotContain(handedOut, p => p is >= 20000 and < 20500);
        }
        finally
        {
            held.ForEach(l => l.Stop());
        }
    }
}
