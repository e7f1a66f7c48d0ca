using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class OpenApiTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task The_document_lists_every_endpoint_with_request_and_response_schemas_and_examples()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine());
        var document = JsonDocument.Parse(await host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        var paths = document.GetProperty("paths");

        (string Path, string Verb)[] endpoints =
        [
            ("/solve", "post"), ("/solve/{id}", "get"), ("/solve/{id}", "delete"), ("/solve/{id}/events", "get"),
            ("/solve/{id}/attempts", "get"), ("/solve/{id}/adapter", "get"), ("/models", "get"), ("/health", "get"), ("/metrics", "get"),
            ("/teacher-advantage", "post"),
        ];
        foreach (var (path, verb) in endpoints)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
            Assert.True(item.TryGetProperty(verb, out var operation), $"{verb.ToUpperInvariant()} {path} is missing");
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            Assert.True(responses.Any(r => r.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _))),
                $"{verb.ToUpperInvariant()} {path} has no response schema");
        }

        var post = paths.GetProperty("/solve").GetProperty("post");
        Assert.EndsWith("/SolveRequest", post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var postResponses = post.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.Contains("202", postResponses);
        Assert.Contains("400", postResponses);
        Assert.Contains("429", postResponses);
        Assert.True(paths.GetProperty("/solve/{id}/events").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.True(paths.GetProperty("/solve/{id}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));

        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "SolveRequest", "SolveAccepted", "RunDetails", "MethodResult", "AttemptPage", "AttemptView", "ModelView", "HealthReport", "ProblemDetails", "HttpValidationProblemDetails",
                     "TeacherAdvantageRequest", "TeacherAdvantageReport" })
        {
            Assert.True(schemas.TryGetProperty(name, out var schema), $"schema {name} is missing");
            Assert.True(schema.TryGetProperty("example", out _) || schema.TryGetProperty("examples", out _), $"schema {name} has no example");
        }
        // The enums list only their kebab-case names, the only spellings a request may use; the POST endpoints document their 415.
        foreach (var (name, values) in new[] { ("DiscoveryMethod", "sdpo best-of-k multi-turn self-teacher"), ("TeacherKind", "ema frozen trust-region"),
                     ("DivergenceKind", "reverse-kl forward-kl jensen-shannon") })
        {
            Assert.Equal("string", schemas.GetProperty(name).GetProperty("type").GetString());
            Assert.Equal(values.Split(' '), schemas.GetProperty(name).GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        }
        foreach (var path in new[] { "/solve", "/teacher-advantage" })
            Assert.True(paths.GetProperty(path).GetProperty("post").GetProperty("responses").TryGetProperty("415", out _), $"POST {path} has no 415");

        var solveExample = schemas.GetProperty("SolveRequest").TryGetProperty("example", out var e) ? e : schemas.GetProperty("SolveRequest").GetProperty("examples")[0];
        Assert.Equal("arithmetic", solveExample.GetProperty("problem").GetProperty("kind").GetString());
        Assert.Equal("best-of-k", solveExample.GetProperty("compareWith")[0].GetString());
        Assert.True(solveExample.GetProperty("sampling").GetProperty("constrained").GetBoolean());
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine());
        var response = await host.Client.GetAsync("/swagger/index.html");
        response.EnsureSuccessStatusCode();
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
