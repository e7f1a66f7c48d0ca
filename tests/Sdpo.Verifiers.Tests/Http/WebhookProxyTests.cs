using System.Net;
using System.Net.Sockets;
using Sdpo.Contracts;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Http;

/// <summary>These tests set the process-wide <see cref="HttpClient.DefaultProxy"/>, so they run alone.</summary>
[CollectionDefinition(nameof(WebhookProxyTests), DisableParallelization = true)]
[Collection(nameof(WebhookProxyTests))]
public sealed class WebhookProxyTests : IAsyncDisposable
{
    private readonly IWebProxy _savedDefaultProxy = HttpClient.DefaultProxy;
    private readonly CountingProxy _proxy = new();

    public WebhookProxyTests() => HttpClient.DefaultProxy = new FixedProxy(_proxy.Url); // as HTTP_PROXY would

    private static Task<Verdict> VerifyOnce(WebhookClient client, Uri url) =>
        new HttpVerifier(new HttpSpec(url), client).VerifyAsync(new Attempt(new Problem("Find x", "p7"), "x = 42"));

    [Fact]
    public async Task PrivateWebhookIsRefusedByItsOwnAddressNotThroughTheProxy()
    {
        using var client = new WebhookClient(new HttpVerifierOptions { RetryBaseDelaySeconds = 0.01 });
        var verdict = await VerifyOnce(client, new Uri("http://10.1.2.3:8765/ok"));
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("'10.1.2.3'", verdict.Feedback);
        Assert.Equal(0, _proxy.Connections);
    }

    [Fact]
    public async Task WebhookIsCalledDirectlyWhenAProxyIsConfigured()
    {
        await using var server = new LoopbackWebhookServer(_ => (200, """{"passed": true, "feedback": "nice"}"""));
        using var client = new WebhookClient(new HttpVerifierOptions
        {
            AllowPrivateNetworks = true, // the test server is on loopback
            MaxRetryAttempts = 0,
        });
        var verdict = await VerifyOnce(client, server.Url);
        Assert.True(verdict.Passed, verdict.Feedback);
        Assert.Equal(1, server.Calls);
        Assert.Equal(0, _proxy.Connections);
    }

    public async ValueTask DisposeAsync()
    {
        HttpClient.DefaultProxy = _savedDefaultProxy;
        await _proxy.DisposeAsync();
    }

    /// <summary>A proxy for every destination, loopback included (the environment's proxy may not bypass it).</summary>
    private sealed class FixedProxy(Uri address) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }
        public Uri GetProxy(Uri destination) => address;
        public bool IsBypassed(Uri host) => false;
    }

    /// <summary>A "proxy" on loopback that counts the connections it gets and closes them.</summary>
    private sealed class CountingProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _loop;
        private int _connections;

        public CountingProxy()
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        using var connection = await _listener.AcceptTcpClientAsync();
                        Interlocked.Increment(ref _connections);
                    }
                }
                catch (Exception error) when (error is SocketException or ObjectDisposedException) { }
            });
        }

        public Uri Url { get; }
        public int Connections => Volatile.Read(ref _connections);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
        }
    }
}
