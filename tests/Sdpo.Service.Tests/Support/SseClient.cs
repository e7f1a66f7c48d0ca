using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sdpo.Service.Tests.Support;

/// <summary>One server-sent event as received.</summary>
public sealed record SseFrame(long Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
    public string Method => Json.GetProperty("method").GetString()!;
}

/// <summary>What a stream delivered: its frames, its keep-alive comments and the raw text.</summary>
public sealed record SseCapture(IReadOnlyList<SseFrame> Frames, int Comments, string Raw, bool Ended);

/// <summary>Reads a text/event-stream response, frame by frame.</summary>
public static class SseClient
{
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string url, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString());
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
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var frames = new List<SseFrame>();
        var raw = new StringBuilder();
        var comments = 0;
        long id = -1;
        string? name = null;
        var data = new StringBuilder();
        try
        {
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                raw.Append(line).Append('\n');
                if (line.Length == 0)
                {
                    if (name is not null)
                    {
                        frames.Add(new SseFrame(id, name, data.ToString()));
                        if (stopWhen?.Invoke(frames) == true) return new SseCapture(frames, comments, raw.ToString(), Ended: false);
                    }
                    name = null;
                    data.Clear();
                }
                else if (line.StartsWith(':'))
                {
                    comments++;
                    onComment?.Invoke();
                }
                else if (line.StartsWith("id: ")) id = long.Parse(line[4..]);
                else if (line.StartsWith("event: ")) name = line[7..];
                else if (line.StartsWith("data: ")) data.Append(line[6..]);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The event stream did not end within {timeoutSeconds}s; received: {string.Join(", ", frames.Select(f => $"{f.Id}:{f.Event}"))}");
        }
        return new SseCapture(frames, comments, raw.ToString(), Ended: true);
    }
}
