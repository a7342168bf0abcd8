using System.Net;
using Omni.Channels.Outbound;

namespace Omni.Channels.Tests.Outbound;

/// <summary>Ranges that are not public unicast destinations, one or more per range, with a public neighbour for contrast.</summary>
public sealed class PrivateNetworkGuardTests
{
    [Theory]
    [InlineData("::ffff:0:0")] // ::ffff:0:0/96 IPv4-mapped: the mapped 0.0.0.0
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("64:ff9b::10.0.0.1")] // 64:ff9b::/96 NAT64 well-known prefix
    [InlineData("64:ff9b::203.0.113.5")]
    [InlineData("64:ff9b:1::1")] // 64:ff9b:1::/48 local-use NAT64: the embedded IPv4 may sit anywhere, refuse the prefix
    [InlineData("64:ff9b:1:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001::1")] // 2001::/32 Teredo: a tunnel to an obfuscated IPv4
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("2002:0a00:0001::1")] // 2002::/16 6to4 carrying 10.0.0.1
    [InlineData("2002:a9fe:a9fe::1")] // 6to4 carrying 169.254.169.254
    [InlineData("192.0.2.1")] // TEST-NET-1
    [InlineData("198.51.100.7")] // TEST-NET-2
    [InlineData("203.0.113.255")] // TEST-NET-3
    [InlineData("2001:db8::1")] // 2001:db8::/32 IPv6 documentation
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("198.18.0.1")] // 198.18.0.0/15 benchmarking
    [InlineData("198.19.255.254")]
    [InlineData("168.63.129.16")] // Azure wire server (DHCP, DNS, health probes, VM agent)
    [InlineData("::ffff:168.63.129.16")]
    public void IsPublic_NonPublicRange_ReturnsFalse(string address) =>
        Assert.False(PrivateNetworkGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("64:ff9b:2::1")]
    [InlineData("2001:1::1")] // next to Teredo, not in it
    [InlineData("2001:db9::1")]
    [InlineData("2002:0808:0808::1")] // 6to4 carrying 8.8.8.8
    [InlineData("192.0.3.1")]
    [InlineData("198.51.101.1")]
    [InlineData("203.0.114.1")]
    [InlineData("198.20.0.1")]
    [InlineData("168.63.129.17")]
    public void IsPublic_PublicNeighbour_ReturnsTrue(string address) =>
        Assert.True(PrivateNetworkGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("168.63.129.16")]
    [InlineData("[2001:db8::1]")]
    public async Task ResolvePublicAsync_NonPublicLiteral_Throws(string host) =>
        await Assert.ThrowsAsync<PrivateTargetRefusedException>(() => PrivateNetworkGuard.ResolvePublicAsync(host, CancellationToken.None));
}
