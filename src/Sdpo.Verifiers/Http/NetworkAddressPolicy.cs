using System.Net;
using System.Net.Sockets;

namespace Sdpo.Verifiers.Http;

/// <summary>Thrown from the connect step when a webhook host resolves only to addresses the policy forbids.</summary>
public sealed class WebhookAddressBlockedException(string host)
    : Exception($"The webhook host '{host}' resolves only to loopback, private or link-local addresses, which are not allowed (set {HttpVerifierOptions.SectionName}:AllowPrivateNetworks to allow them).");

/// <summary>Decides which resolved addresses a webhook may be called on.</summary>
internal static class NetworkAddressPolicy
{
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                     || (b[0] == 100 && b[1] >= 64 && b[1] < 128)
                     || (b[0] == 169 && b[1] == 254)
                     || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                     || (b[0] == 192 && b[1] == 168));
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var first = address.GetAddressBytes()[0];
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                     || address.IsIPv6Multicast || (first & 0xFE) == 0xFC);
        }
        return false;
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
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
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
