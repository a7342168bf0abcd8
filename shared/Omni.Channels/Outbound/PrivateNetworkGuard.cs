using System.Net;
using System.Net.Sockets;

namespace Omni.Channels.Outbound;

/// <summary>Raised when an outbound webhook would connect to a non-public address.</summary>
public sealed class PrivateTargetRefusedException : Exception
{
    /// <summary>Creates the exception; the message names no address.</summary>
    public PrivateTargetRefusedException()
        : base("The webhook target resolves to a loopback, private, link-local or otherwise non-public address.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PrivateTargetRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public PrivateTargetRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Server-side request forgery protection for outbound webhooks: only public unicast addresses may be reached. Refused:
/// unspecified, loopback, RFC 1918, CGNAT 100.64/10, link-local 169.254/16 (cloud metadata), 0/8, IETF 192.0.0/24, documentation
/// 192.0.2/24, 198.51.100/24 and 203.0.113/24, benchmarking 198.18/15, Azure's wire server 168.63.129.16, multicast and reserved
/// 240/4 incl. broadcast; IPv6 ::, ::1, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8,
/// documentation 2001:db8::/32, Teredo 2001::/32, local-use NAT64 64:ff9b:1::/48, and the IPv4 address inside
/// IPv4-mapped (::ffff:0:0/96), IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms.
/// </summary>
public static class PrivateNetworkGuard
{
    /// <summary>True when <paramref name="address"/> is a public unicast address a webhook may be sent to.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublicV4(address.MapToIPv4().GetAddressBytes());
        }

        byte[] b = address.GetAddressBytes();
        if (IPAddress.IPv6Any.Equals(address) || IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address))
        {
            return false;
        }

        if ((b[0] & 0xFE) == 0xFC || // fc00::/7 unique local
            b[0] == 0xFF || // ff00::/8 multicast
            (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || // fe80::/10 link-local
            (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)) // fec0::/10 site-local (deprecated)
        {
            return false;
        }

        // ::a.b.c.d (IPv4-compatible, deprecated): first 96 bits zero.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(b[12..16]);
        }

        // 64:ff9b::/96 NAT64 well-known prefix.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(b[12..16]);
        }

        // 64:ff9b:1::/48 local-use NAT64 (RFC 8215): the operator picks where the IPv4 address sits, so refuse the prefix.
        // 2001::/32 Teredo tunnels to an obfuscated IPv4 server and client. 2001:db8::/32 is documentation only.
        if ((b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0x00 && b[5] == 0x01) ||
            (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0x00 && b[3] == 0x00) || (b[2] == 0x0D && b[3] == 0xB8))))
        {
            return false;
        }

        // 2002::/16 6to4 carries an IPv4 address in bits 16-47.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b[2..6]);
        }

        return true;
    }

    /// <summary>
    /// Resolves <paramref name="host"/> (or parses it when it is a literal) and returns its addresses when all are public.
    /// </summary>
    /// <exception cref="PrivateTargetRefusedException">Any resolved address is not public (a mixed answer is refused whole).</exception>
    /// <exception cref="SocketException">The name did not resolve.</exception>
    public static async Task<IPAddress[]> ResolvePublicAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        IPAddress[] addresses = IPAddress.TryParse(bare, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(bare, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        foreach (IPAddress address in addresses)
        {
            if (!IsPublic(address))
            {
                throw new PrivateTargetRefusedException();
            }
        }

        return addresses;
    }

    /// <summary>
    /// A handler whose every connection goes through <see cref="ResolvePublicAsync"/> and then to exactly the validated
    /// addresses, so DNS rebinding between a check and the connect cannot reach a private address. No proxy (a proxy would
    /// connect on our behalf), no automatic redirects.
    /// </summary>
    public static SocketsHttpHandler CreateGuardedHandler()
    {
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                IPAddress[] addresses = await ResolvePublicAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> b)
    {
        return !(b[0] == 0 || // 0.0.0.0/8
            b[0] == 10 || // 10/8
            b[0] == 127 || // loopback
            (b[0] == 100 && (b[1] & 0xC0) == 64) || // 100.64/10 CGNAT
            (b[0] == 169 && b[1] == 254) || // link-local, cloud metadata
            (b[0] == 172 && (b[1] & 0xF0) == 16) || // 172.16/12
            (b[0] == 192 && b[1] == 168) || // 192.168/16
            (b[0] == 192 && b[1] == 0 && b[2] == 0) || // 192.0.0/24 IETF protocol assignments
            (b[0] == 192 && b[1] == 0 && b[2] == 2) || // 192.0.2/24 TEST-NET-1
            (b[0] == 198 && b[1] == 51 && b[2] == 100) || // 198.51.100/24 TEST-NET-2
            (b[0] == 203 && b[1] == 0 && b[2] == 113) || // 203.0.113/24 TEST-NET-3
            (b[0] == 198 && (b[1] & 0xFE) == 18) || // 198.18/15 benchmarking
            (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16) || // Azure wire server: DHCP, DNS, VM agent, health probes
            b[0] >= 224); // multicast 224/4, reserved 240/4, broadcast
    }
}
