using System.Net;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>Every verifier kind the factory knows is accepted in a problem, with the shared sandbox and webhook client.</summary>
public sealed class ProblemSpecTests : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    private ServiceHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new ServiceHost(_data, new FakeDiscoveryEngine { DiscoverAt = _ => 0 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Theory]
    [InlineData("""{"kind": "exact", "answer": "4", "caseInsensitive": true}""")]
    [InlineData("""{"kind": "regex", "pattern": "^\\d+$"}""")]
    [InlineData("""{"kind": "numeric", "answer": 4, "absoluteTolerance": 0.01}""")]
    [InlineData("""{"kind": "arithmetic", "numbers": [1, 1, 2], "target": 4}""")]
    [InlineData("""{"kind": "python", "tests": "assert add(2, 2) == 4", "timeoutSeconds": 2}""")]
    [InlineData("""{"kind": "python", "tests": "assert add(2, 2) == 4", "timeoutSeconds": 60, "memoryMb": 4096}""")] // the configured caps
    [InlineData("""{"kind": "p3", "sat": "def sat(x: int): return x + 2 == 4", "timeoutSeconds": 60}""")]
    [InlineData("""{"kind": "p3", "sat": "def sat(x: int): return x + 2 == 4"}""")]
    [InlineData("""{"kind": "http", "url": "https://verifier.example.com/check"}""")]
    public async Task A_prompt_with_any_known_verifier_kind_is_accepted(string verifier)
    {
        var id = await ServiceApi.SubmitAsync(_host.Client, "{\"problem\": {\"prompt\": \"What is 2+2?\", \"id\": \"q1\", \"verifier\": " + verifier + "}, \"budget\": {\"maxAttempts\": 2}}");
        var run = await ServiceApi.PollAsync(_host.Client, id, r => r.GetProperty("status").GetString() == "discovered");
        Assert.Equal("What is 2+2?", run.GetProperty("configuration").GetProperty("problem").GetProperty("prompt").GetString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/check", "true")] // the operator allows private networks
    [InlineData("http://localhost:8080/check", "false")] // a host name is judged when it is resolved, at each call
    public async Task A_webhook_on_a_private_address_is_accepted_where_it_may_work(string url, string allowPrivateNetworks)
    {
        using var data = new TestDataFolder();
        await using var host = new ServiceHost(data, new FakeDiscoveryEngine { DiscoverAt = _ => 0 },
            new Dictionary<string, string> { ["Verifiers:Http:AllowPrivateNetworks"] = allowPrivateNetworks });
        await ServiceApi.SubmitAsync(host.Client, "{\"problem\": {\"prompt\": \"What is 2+2?\", \"verifier\": {\"kind\": \"http\", \"url\": \"" + url + "\"}}}");
    }

    [Theory]
    [InlineData("""{"kind": "arithmetic", "numbers": [3, 0, 7], "target": 22}""", "problem.numbers[1]")]
    [InlineData("""{"prompt": "Make 4.", "verifier": {"kind": "arithmetic", "numbers": [1, 3], "target": 4}}""", "problem.verifier.numbers")]
    [InlineData("""{"prompt": "Make 4.", "verifier": {"kind": "arithmetic", "numbers": [1, 3, 2000], "target": 4}}""", "problem.verifier.numbers[2]")]
    public async Task An_arithmetic_spec_outside_the_puzzle_rules_names_the_field(string problem, string field)
    {
        var response = await _host.Client.PostAsync("/solve", ServiceApi.Json("{\"problem\": " + problem + "}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains($"\"{field}\"", body);
    }
}
