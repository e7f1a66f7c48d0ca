using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Sdpo.Service.Execution;

namespace Sdpo.Service.Api;

/// <summary>
/// A run's events as server-sent events: an <c>id:</c>, <c>event:</c> and <c>data:</c> line each, and a
/// keep-alive comment whenever the stream has been idle for the keep-alive interval. It is written by hand
/// rather than with <c>TypedResults.ServerSentEvents</c> because comments (the keep-alives) cannot be
/// expressed as <c>SseItem</c>s. When the service stops before the events have ended, the stream closes with an
/// <c>interrupted</c> event that has no <c>id:</c> (it is not one of the stored events, so a client's Last-Event-ID still
/// resumes after the last one it got) and says that <paramref name="subject"/> resumes at the next start.
/// </summary>
public sealed class ServerSentEventStream(IAsyncEnumerable<StoredEvent> events, TimeSpan keepAlive, CancellationToken stopping, string subject = "run")
    : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    public const string MediaType = "text/event-stream";
    public const string InterruptedEvent = "interrupted";
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    public int? StatusCode => StatusCodes.Status200OK;
    public string ContentType => MediaType;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType;
        response.Headers.CacheControl = "no-cache";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync();
        await response.Body.FlushAsync();

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        var enumerator = events.GetAsyncEnumerator(cancel.Token);
        Task<bool>? next = null;
        var ended = false;
        try
        {
            next = enumerator.MoveNextAsync().AsTask();
            while (true)
            {
                var idle = Task.Delay(keepAlive, cancel.Token);
                if (await Task.WhenAny(next, idle) != next)
                {
                    if (cancel.IsCancellationRequested) break;
                    await response.Body.WriteAsync(KeepAliveComment, cancel.Token);
                    await response.Body.FlushAsync(cancel.Token);
                    continue;
                }
                if (!await next)
                {
                    ended = true;
                    break;
                }
                await response.Body.WriteAsync(Format(enumerator.Current), cancel.Token);
                await response.Body.FlushAsync(cancel.Token);
                next = enumerator.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away or the service is stopping.
        }
        finally
        {
            await cancel.CancelAsync();
            if (next is not null) await next.ContinueWith(_ => { }, TaskScheduler.Default);
            await enumerator.DisposeAsync();
        }
        if (!ended && stopping.IsCancellationRequested && !httpContext.RequestAborted.IsCancellationRequested)
            await WriteInterruptedAsync(response.Body, httpContext.RequestAborted);
    }

    /// <summary>The last frame of a stream the service's shutdown ends: the client learns why it closed, and that it can
    /// reconnect after the restart.</summary>
    private async Task WriteInterruptedAsync(Stream body, CancellationToken aborted)
    {
        var node = JsonSerializer.SerializeToNode(
            new StreamInterrupted($"The service is stopping; the {subject} resumes when it starts again. Reconnect with Last-Event-ID then to follow it."),
            ServiceJson.Options)!.AsObject();
        node.Insert(0, "type", InterruptedEvent);
        var data = node.ToJsonString(ServiceJson.Options);
        try
        {
            await body.WriteAsync(Encoding.UTF8.GetBytes($"event: {InterruptedEvent}\ndata: {data}\n\n"), aborted);
            await body.FlushAsync(aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection went first; there is no one left to tell.
        }
    }

    public static byte[] Format(StoredEvent storedEvent)
    {
        var frame = new StringBuilder();
        frame.Append("id: ").Append(storedEvent.Sequence).Append('\n');
        frame.Append("event: ").Append(storedEvent.Name).Append('\n');
        foreach (var line in storedEvent.Data.Split('\n')) frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        frame.Append('\n');
        return Encoding.UTF8.GetBytes(frame.ToString());
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [MediaType]));
}
