using System.Net;
using System.Net.Sockets;

namespace Sdpo.Verifiers.Http;

/// <summary>Thrown from the connect step when a webhook host resolves only to addresses the policy forbids.</summary>
public sealed class WebhookAddressBlockedException(string host)
    : Exception($"The webhook host '{host}' resolves only to loopback, private, link-local or other special-use addresses, which are not allowed (set {HttpVerifierOptions.SectionName}:AllowPrivateNetworks to allow them).");

/// <summary>Decides which resolved addresses a webhook may be called on.</summary>
internal static class NetworkAddressPolicy
{
    /// <summary>
    /// Ranges that are not globally reachable or not meant for hosts: the IANA IPv4 and IPv6 Special-Purpose
    /// Address Registries (https://www.iana.org/assignments/iana-ipv4-special-registry,
    /// https://www.iana.org/assignments/iana-ipv6-special-registry) plus multicast and the reserved space.
    /// A few registry entries that are globally reachable anycast services (AS112, AMT, PCP/TURN anycast) fall
    /// inside a blocked range here; no webhook lives there.
    /// </summary>
    private static readonly (IPNetwork Range, string Name)[] NonPublicRanges =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation (TEST-NET-1)"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast (deprecated)"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation (TEST-NET-2)"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation (TEST-NET-3)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved, and the broadcast address 255.255.255.255"),

        // ::ffff:0:0/96 (IPv4-mapped), 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) are judged by the IPv4 address
        // they carry, before this table; the rest of ::/8 is refused here.
        (IPNetwork.Parse("::/8"), "reserved: unspecified, loopback, IPv4-compatible, local-use NAT64 64:ff9b:1::/48"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("5f00::/16"), "segment routing (SRv6) SIDs"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local (deprecated)"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        // An IPv6 address that carries an IPv4 one reaches that IPv4 host (through the stack, a NAT64 gateway
        // or a 6to4 relay), so the IPv4 address decides.
        if (EmbeddedIPv4(address) is { } inner) return IsPublic(inner);
        return !NonPublicRanges.Any(entry => entry.Range.Contains(address));
    }

    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (Nat64.Contains(address)) return new IPAddress(address.GetAddressBytes()[12..16]);
        if (SixToFour.Contains(address)) return new IPAddress(address.GetAddressBytes()[2..6]);
        return null;
    }

    /// <summary>A handler whose connect step enforces the policy on every resolved address.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AllowAutoRedirect = false,
        // Connect to the webhook itself: through a proxy (HTTP_PROXY, say) the connect step would see and check
        // the proxy's address, and the proxy would then reach private webhook addresses on the service's behalf.
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            // An address literal is judged as it is: Dns refuses 0.0.0.0 and :: with an ArgumentException,
            // which would read as an unreachable webhook and be retried.
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            var allowed = addresses.Where(a => allowPrivateNetworks || IsPublic(a)).ToArray();
            if (allowed.Length == 0) throw new WebhookAddressBlockedException(host);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
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

/// <summary>What can be told of a webhook URL without resolving it.</summary>
public static class WebhookUrl
{
    /// <summary>
    /// True when the URL's host is an IP address literal in a loopback, private or other special-use range: unless
    /// <see cref="HttpVerifierOptions.AllowPrivateNetworks"/> is set, every call to it is refused, so a spec naming it can
    /// be refused at once. A host name is judged only when it is resolved, at each call.
    /// </summary>
    public static bool IsNonPublicAddressLiteral(Uri url) =>
        url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
        && IPAddress.TryParse(url.IdnHost, out var address)
        && !NetworkAddressPolicy.IsPublic(address);
}
