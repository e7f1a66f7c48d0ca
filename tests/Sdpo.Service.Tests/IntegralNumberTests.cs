using System.Net;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>An integer field takes any integral JSON number (64.0 is 64), as JSON Schema's integer and the OpenAPI
/// document's do, wherever it is: the request's own fields, the SDPO options, a built-in problem and a verifier spec.</summary>
public sealed class IntegralNumberTests : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    private ServiceHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new ServiceHost(_data, new FakeDiscoveryEngine());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Integral_numbers_with_a_decimal_point_or_an_exponent_are_read_as_integers_everywhere()
    {
        var id = await ServiceApi.SubmitAsync(_host.Client, """
            {"problem": {"kind": "arithmetic", "numbers": [3, 5, 7.0], "target": 22.0},
             "budget": {"maxAttempts": 16.0, "attemptsPerStep": 8e0, "chains": 2.0}, "seed": 3.0,
             "sdpo": {"loraRank": 4.0, "maxDistilledAttempts": 1.0}, "sampling": {"maxNewTokens": 32.0}}
            """);
        var configuration = (await ServiceApi.GetRunAsync(_host.Client, id)).GetProperty("configuration");
        Assert.Equal("""{"maxAttempts":16,"attemptsPerStep":8,"chains":2}""", configuration.GetProperty("budget").GetRawText());
        Assert.Equal("3", configuration.GetProperty("seed").GetRawText());
        Assert.Equal("4", configuration.GetProperty("sdpo").GetProperty("loraRank").GetRawText());
        Assert.Equal("32", configuration.GetProperty("sampling").GetProperty("maxNewTokens").GetRawText());

        // The same puzzle as a verifier spec, as it always was.
        await ServiceApi.SubmitAsync(_host.Client, """
            {"problem": {"prompt": "x", "verifier": {"kind": "arithmetic", "numbers": [3, 5, 7.0], "target": 22.0}}, "budget": {"maxAttempts": 1.0}}
            """);

        var benchmark = await _host.Client.PostAsync("/benchmarks", ServiceApi.Json("""
            {"problems": [{"kind": "arithmetic", "numbers": [1, 2, 3.0], "target": 6.0}], "methods": ["best-of-k"], "seeds": 1.0,
             "budget": {"maxAttempts": 2.0}, "suite": null}
            """));
        Assert.True(benchmark.StatusCode == HttpStatusCode.Accepted, await benchmark.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7.5], "target": 22}}""", "problem.numbers[2]")]
    [InlineData("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 1.5}}""", "budget.maxAttempts")]
    [InlineData("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "budget": {"maxAttempts": 1e10}}""", "budget.maxAttempts")]
    [InlineData("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "seed": 1e30}""", "seed")]
    [InlineData("""{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "sdpo": {"loraRank": 2.5}}""", "sdpo.loraRank")]
    public async Task A_fraction_or_a_number_beyond_the_range_is_still_refused_naming_the_field(string body, string field)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
