using System.Net;
using Sdpo.Contracts;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Verifiers.Tests.Http;

public class NetworkAddressPolicyTests
{
    [Theory]
    // Each special-use range, at its first and last address or one in the middle.
    [InlineData("0.0.0.0")]
    [InlineData("0.255.255.255")]
    [InlineData("10.0.0.0")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.0")]
    [InlineData("100.127.255.255")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.255")]
    [InlineData("169.254.0.0")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.0")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.0")]
    [InlineData("192.0.0.255")]
    [InlineData("192.0.2.0")]
    [InlineData("192.0.2.2")]
    [InlineData("192.0.2.255")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.0.0")]
    [InlineData("192.168.255.255")]
    [InlineData("198.18.0.0")]
    [InlineData("198.19.255.255")]
    [InlineData("198.51.100.0")]
    [InlineData("198.51.100.255")]
    [InlineData("203.0.113.0")]
    [InlineData("203.0.113.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.255")]
    [InlineData("240.0.0.0")]
    [InlineData("255.255.255.254")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::7f00:1")] // IPv4-compatible 127.0.0.1 (deprecated)
    [InlineData("::808:808")] // IPv4-compatible, even of a public address
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:192.0.2.2")]
    [InlineData("64:ff9b::7f00:1")] // NAT64 of 127.0.0.1
    [InlineData("64:ff9b::a01:203")] // NAT64 of 10.1.2.3
    [InlineData("64:ff9b::c000:202")] // NAT64 of 192.0.2.2
    [InlineData("64:ff9b:1::808:808")] // local-use NAT64
    [InlineData("100::1")]
    [InlineData("2001::1")] // Teredo
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("2001:2::1")] // benchmarking
    [InlineData("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:db8::")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2002:7f00:1::1")] // 6to4 of 127.0.0.1
    [InlineData("2002:a01:203::1")] // 6to4 of 10.1.2.3
    [InlineData("2002:c000:202::1")] // 6to4 of 192.0.2.2
    [InlineData("3fff::1")]
    [InlineData("3fff:fff:ffff::1")]
    [InlineData("5f00::1")]
    [InlineData("fc00::")]
    [InlineData("fd12:3456::1")]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fe80::1")]
    [InlineData("fe80::1%2")]
    [InlineData("febf:ffff::1")]
    [InlineData("fec0::1")]
    [InlineData("feff:ffff::1")]
    [InlineData("ff02::1")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void SpecialUseAddressesAreNotPublic(string address) =>
        Assert.False(NetworkAddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    // Just outside each special-use range, and well-known public resolvers.
    [InlineData("1.0.0.0")]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("191.255.255.255")]
    [InlineData("192.0.1.255")]
    [InlineData("192.0.3.0")]
    [InlineData("192.88.98.255")]
    [InlineData("192.88.100.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("198.51.99.255")]
    [InlineData("198.51.101.0")]
    [InlineData("203.0.112.255")]
    [InlineData("203.0.114.0")]
    [InlineData("223.255.255.255")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    [InlineData("2002:808:808::1")] // 6to4 of 8.8.8.8
    [InlineData("2001:200::1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2001:db7:ffff::1")]
    [InlineData("2001:db9::1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("3fff:1000::1")]
    [InlineData("2a00:1450:4001::1")]
    public void GlobalAddressesArePublic(string address) =>
        Assert.True(NetworkAddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://localhost:8765/ok")]
    [InlineData("http://127.0.0.1:8765/ok")]
    [InlineData("http://127.1:8765/ok")]
    [InlineData("http://2130706433:8765/ok")]
    [InlineData("http://0.0.0.0:8765/ok")]
    [InlineData("http://10.1.2.3:8765/ok")]
    [InlineData("http://192.0.2.2:8765/ok")]
    [InlineData("http://[::1]:8765/ok")]
    [InlineData("http://[::]:8765/ok")]
    [InlineData("http://[::ffff:127.0.0.1]:8765/ok")]
    [InlineData("http://[64:ff9b::7f00:1]:8765/ok")]
    [InlineData("http://[2002:7f00:1::1]:8765/ok")]
    public async Task WebhookOnASpecialUseAddressIsRefusedWithoutConnecting(string url)
    {
        using var client = new WebhookClient(new HttpVerifierOptions { RetryBaseDelaySeconds = 0.01 });
        var verdict = await new HttpVerifier(new HttpSpec(new Uri(url)), client).VerifyAsync(new Attempt(new Problem("p"), "a"));
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("AllowPrivateNetworks", verdict.Feedback);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/check", true)]
    [InlineData("http://2130706433/check", true)] // 127.0.0.1 written as one number: Uri reads it as the address it is
    [InlineData("https://192.168.1.20/check", true)]
    [InlineData("http://[::1]/check", true)]
    [InlineData("http://[::ffff:10.0.0.1]/check", true)]
    [InlineData("http://[64:ff9b::7f00:1]/check", true)]
    [InlineData("https://93.184.215.14/check", false)]
    [InlineData("http://[2606:4700::6810:84e5]/check", false)]
    [InlineData("http://localhost/check", false)] // a host name: judged when it is resolved, at each call
    [InlineData("https://verifier.example.com/check", false)]
    public void OnlyAnAddressLiteralOutsideThePublicRangesIsKnownNonPublicWithoutALookup(string url, bool nonPublic) =>
        Assert.Equal(nonPublic, WebhookUrl.IsNonPublicAddressLiteral(new Uri(url)));
}
