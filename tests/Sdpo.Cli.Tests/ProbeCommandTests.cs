using System.Text.Json;
using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

[Collection(nameof(ConsoleCapture))]
public sealed class ProbeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sdpo-probe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ProbeWritesEveryRunsGainsAndTheirMeansPerUpdate()
    {
        var problems = Path.Combine(_folder, "hard.jsonl");
        await File.WriteAllLinesAsync(problems, ["""{"kind": "arithmetic", "numbers": [3, 3, 8, 8], "target": 24}""", ""]);

        var (exitCode, output) = await CliRunner.RunAsync("probe", "--problems", problems, "--model", Checkout.EmbeddedModel, "--seeds", "2",
            "--updates", "2", "--threads", "1", "-o", _folder);

        Assert.True(exitCode == 0, output);
        var probe = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "probe.json"))).RootElement;
        var runs = probe.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([1L, 2L], runs.Select(r => r.GetProperty("seed").GetInt64()));
        // The embedded model's own SDPO defaults (forward KL) unless --sdpo says otherwise.
        Assert.Equal("forward-kl", probe.GetProperty("sdpo").GetProperty("divergence").GetString());
        var first = probe.GetProperty("steps")[0];
        var gains = runs.Select(r => r.GetProperty("gains")[0].GetDouble()).ToList();
        Assert.Equal(gains.Average(), first.GetProperty("meanGain").GetDouble(), 9);
        Assert.Contains("solvable puzzles", output);
    }

    [Fact]
    public async Task ProbeWithoutProblemsIsRefused()
    {
        var (exitCode, output) = await CliRunner.RunAsync("probe", "-o", _folder);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--problems", output);
    }
}
