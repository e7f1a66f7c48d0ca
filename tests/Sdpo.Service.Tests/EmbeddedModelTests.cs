using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>The service exactly as `dotnet run` starts it: the repository's appsettings.json and the embedded model.</summary>
public sealed class EmbeddedModelTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task The_minimal_request_is_discovered_on_the_embedded_model_through_the_event_stream()
    {
        await using var host = new ServiceHost(_data, engine: null);
        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("arithmetic", models[0].GetProperty("name").GetString());

        var request = new HttpRequestMessage(HttpMethod.Post, "/solve")
        {
            Content = ServiceApi.Json("""
                {"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "method": "sdpo", "budget": {"maxAttempts": 64}, "seed": 1}
                """),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var capture = await SseClient.ReadAsync(response, timeoutSeconds: 120);

        var final = capture.Frames.LastMethodEvent();
        Assert.Equal("discovered", final.Event);
        string answer = final.Json.GetProperty("text").GetString()!;
        var attempts = capture.Frames.Where(f => f.Event == "attempt").ToList();
        Assert.Equal(final.Json.GetProperty("attemptIndex").GetInt32() + 1, attempts.Count);
        Assert.True(attempts[^1].Json.GetProperty("verdict").GetProperty("passed").GetBoolean(), answer);

        // The request set no SDPO options, so it ran with the shipped model's recommendation (its sdpo_defaults.json).
        var loaded = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("forward-kl", loaded[0].GetProperty("sdpoDefaults").GetProperty("divergence").GetString());
    }
}
