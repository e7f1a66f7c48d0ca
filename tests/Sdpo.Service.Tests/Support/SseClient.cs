using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Sdpo.Service.Tests.Support;

/// <summary>One server-sent event as received.</summary>
public sealed record SseFrame(long Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
    /// <summary>The method the event belongs to; null for the run's <c>ended</c> event, which belongs to none.</summary>
    public string? Method => Json.TryGetProperty("method", out var method) ? method.GetString() : null;
}

/// <summary>What a stream delivered: its frames, its keep-alive comments and the raw text.</summary>
public sealed record SseCapture(IReadOnlyList<SseFrame> Frames, int Comments, string Raw, bool Ended);

/// <summary>Reads a text/event-stream response with the platform's <see cref="SseParser"/>, keeping the raw text
/// beside the events (the parser drops comments, and the keep-alive tests need them).</summary>
public static class SseClient
{
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string url, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>
    /// Reads until the server closes the stream, <paramref name="stopWhen"/> holds, or the timeout passes;
    /// <paramref name="onComment"/> is called for every comment line as it arrives.
    /// </summary>
    public static async Task<SseCapture> ReadAsync(
        HttpResponseMessage response, Func<IReadOnlyList<SseFrame>, bool>? stopWhen = null, double timeoutSeconds = 10, Action? onComment = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await using var recording = new RecordingStream(body, onComment);
        var frames = new List<SseFrame>();
        try
        {
            await foreach (var item in SseParser.Create(recording).EnumerateAsync(timeout.Token))
            {
                frames.Add(new SseFrame(long.Parse(item.EventId ?? "-1", CultureInfo.InvariantCulture), item.EventType, item.Data));
                if (stopWhen?.Invoke(frames) == true) return new SseCapture(frames, recording.Comments, recording.Text, Ended: false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The event stream did not end within {timeoutSeconds}s; received: {string.Join(", ", frames.Select(f => $"{f.Id}:{f.Event}"))}");
        }
        return new SseCapture(frames, recording.Comments, recording.Text, Ended: true);
    }
}

public static class RunFrames
{
    /// <summary>A run stream's last method event (discovered, exhausted, cancelled, failed): the one just before the run's
    /// closing <c>ended</c> event, which it checks is there.</summary>
    public static SseFrame LastMethodEvent(this IReadOnlyList<SseFrame> frames)
    {
        Assert.Equal("ended", frames[^1].Event);
        return frames[^2];
    }
}
