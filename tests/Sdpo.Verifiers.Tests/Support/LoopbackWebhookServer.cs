using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sdpo.Verifiers.Tests.Support;

/// <summary>
/// A webhook on 127.0.0.1 only, answering each call with what <c>respond</c> returns for its 1-based number.
/// Records the bodies it received.
/// </summary>
internal sealed class LoopbackWebhookServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<int, (int Status, byte[] Body)> _respond;
    private readonly Task _loop;
    private int _calls;

    public LoopbackWebhookServer(Func<int, (int Status, string Body)> respond)
        : this(call =>
        {
            var (status, text) = respond(call);
            return (status, Encoding.UTF8.GetBytes(text));
        })
    {
    }

    /// <summary>Answers with raw bytes, which need not be valid UTF-8.</summary>
    public LoopbackWebhookServer(Func<int, (int Status, byte[] Body)> respond)
    {
        _respond = respond;
        var port = FreeLoopbackPort();
        Url = new Uri($"http://127.0.0.1:{port}/verify/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }
    public int Calls => Volatile.Read(ref _calls);
    public List<JsonElement> Requests { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var call = Interlocked.Increment(ref _calls);
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                var body = await reader.ReadToEndAsync();
                lock (Requests) Requests.Add(JsonDocument.Parse(body).RootElement.Clone());
            }
            var (status, bytes) = _respond(call);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreeLoopbackPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_listener.IsListening) return;
        // Close alone: Stop first would release the port, and Close would then bind it again to unregister
        // (the managed HttpListener does), failing when another test has taken the port meanwhile.
        try { _listener.Close(); }
        catch (HttpListenerException) { }
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
