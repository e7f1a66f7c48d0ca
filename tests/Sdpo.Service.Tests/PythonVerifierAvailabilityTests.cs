using System.Net;
using System.Text.Json;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>When Python verifications cannot run here (no python3, or a required sandbox missing), python and p3
/// submissions are refused with 503 saying why; they were accepted and spent their budget on errors, ending "exhausted".</summary>
public sealed class PythonVerifierAvailabilityTests : IDisposable
{
    private const string PythonProblem = """{"prompt": "Write is_prime(n).", "verifier": {"kind": "python", "tests": "assert is_prime(7)\nassert not is_prime(9)"}}""";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    public static TheoryData<string, string, string> Misconfigurations => new()
    {
        { "Verifiers:Python:PythonPath", "/nonexistent/python3", "Verifiers:Python:PythonPath" },
        { "Verifiers:Python:BubblewrapPath", "/nonexistent/bwrap", "Verifiers:Python:RequireSandbox" },
    };

    [PythonTheory]
    [MemberData(nameof(Misconfigurations))]
    public async Task Python_submissions_are_refused_with_503_saying_why_and_others_are_taken(string key, string value, string named)
    {
        await using var host = new ServiceHost(_data, new FakeDiscoveryEngine(), new Dictionary<string, string>
        {
            [key] = value, ["Verifiers:Python:RequireSandbox"] = "true",
        });

        var solve = await host.Client.PostAsync("/solve", ServiceApi.Json($$$"""{"problem": {{{PythonProblem}}}, "budget": {"maxAttempts": 8}}"""));
        var body = await solve.Content.ReadAsStringAsync();
        Assert.True(solve.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)solve.StatusCode}: {body}");
        Assert.Equal("application/problem+json", solve.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Python verifiers are not available", problem.GetProperty("title").GetString());
        Assert.Contains(named, problem.GetProperty("detail").GetString());

        var benchmark = await host.Client.PostAsync("/benchmarks", ServiceApi.Json(
            $$$"""{"problems": [{{{PythonProblem}}}], "methods": ["best-of-k"], "seeds": 1, "budget": {"maxAttempts": 8}}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, benchmark.StatusCode);
        Assert.Contains(named, await benchmark.Content.ReadAsStringAsync());

        // The teacher-advantage check verifies each case's answer: not the client's answer failing, the service's setup.
        var teacherAdvantage = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(
            $$$"""{"cases": [{"problem": {{{PythonProblem}}}, "answer": "def is_prime(n): return n > 1 and all(n % d for d in range(2, n))", "feedback": "9 is not prime"}]}"""));
        var teacherBody = await teacherAdvantage.Content.ReadAsStringAsync();
        Assert.True(teacherAdvantage.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)teacherAdvantage.StatusCode}: {teacherBody}");
        Assert.Equal("application/problem+json", teacherAdvantage.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Python verifiers are not available", JsonDocument.Parse(teacherBody).RootElement.GetProperty("title").GetString());
        Assert.Contains(named, teacherBody);

        // Other verifiers are not affected.
        await ServiceApi.SubmitAsync(host.Client);

        // /health says so: still 200 (other problems are served), but degraded, naming the setting.
        var health = await host.Client.GetAsync("/health");
        var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("degraded", report.GetProperty("status").GetString());
        var pythonVerifiers = report.GetProperty("pythonVerifiers").GetString()!;
        Assert.StartsWith("unavailable: ", pythonVerifiers);
        Assert.Contains(named, pythonVerifiers);
    }
}
