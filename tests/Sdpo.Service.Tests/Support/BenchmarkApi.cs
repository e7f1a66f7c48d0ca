using System.Net;
using System.Text.Json;

namespace Sdpo.Service.Tests.Support;

/// <summary>Small helpers over the benchmark endpoints.</summary>
public static class BenchmarkApi
{
    public static async Task<Guid> SubmitAsync(HttpClient client, string json)
    {
        var response = await client.PostAsync("/benchmarks", ServiceApi.Json(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, Guid id)
    {
        var response = await client.GetAsync($"/benchmarks/{id}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /benchmarks/{id}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Follows the benchmark's events until its stream closes after the final event.</summary>
    public static async Task<SseCapture> WaitForEndAsync(HttpClient client, Guid id, long? lastEventId = null, double timeoutSeconds = 30)
    {
        using var response = await SseClient.OpenAsync(client, $"/benchmarks/{id}/events", lastEventId);
        response.EnsureSuccessStatusCode();
        return await SseClient.ReadAsync(response, timeoutSeconds: timeoutSeconds);
    }

    /// <summary>{"kind": "arithmetic", "numbers": [1, 2, 3], "target": <paramref name="target"/>}.</summary>
    public static string Arithmetic(int target, string numbers = "1, 2, 3") => $$"""{"kind": "arithmetic", "numbers": [{{numbers}}], "target": {{target}}}""";
}
