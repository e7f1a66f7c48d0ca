using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Sdpo.Service.Tests.Support;

/// <summary>Small helpers over the service's HTTP API.</summary>
public static class ServiceApi
{
    public const string MinimalRequest = """{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "sdpo", "budget": {"maxAttempts": 64}, "seed": 1}""";

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A JSON body whose text is not all UTF-8: each <c>\xff</c> in <paramref name="json"/> (not a JSON escape)
    /// is sent as the raw bytes FF FE.</summary>
    public static ByteArrayContent JsonWithRawBytes(string json)
    {
        var parts = json.Split(@"\xff").Select(Encoding.UTF8.GetBytes);
        var content = new ByteArrayContent(parts.Aggregate((body, part) => [.. body, 0xFF, 0xFE, .. part]));
        content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        return content;
    }

    public static async Task<Guid> SubmitAsync(HttpClient client, string json = MinimalRequest)
    {
        var response = await client.PostAsync("/solve", Json(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetRunAsync(HttpClient client, Guid id)
    {
        var response = await client.GetAsync($"/solve/{id}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>Follows the run's events until its stream closes (the run has ended).</summary>
    public static async Task<SseCapture> WaitForEndAsync(HttpClient client, Guid id, long? lastEventId = null, double timeoutSeconds = 10)
    {
        using var response = await SseClient.OpenAsync(client, $"/solve/{id}/events", lastEventId);
        response.EnsureSuccessStatusCode();
        return await SseClient.ReadAsync(response, timeoutSeconds: timeoutSeconds);
    }

    /// <summary>Polls GET /solve/{id} until <paramref name="condition"/> holds.</summary>
    public static async Task<JsonElement> PollAsync(HttpClient client, Guid id, Func<JsonElement, bool> condition, double timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var run = await GetRunAsync(client, id);
            if (condition(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} never reached the condition; last state: {run}");
            await Task.Delay(20);
        }
    }
}
