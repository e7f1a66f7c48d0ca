using System.Text.Json;
using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

[Collection(nameof(ConsoleCapture))]
public class BenchCommandTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "sdpo-bench-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Fact]
    public async Task KeepStopsHardSelectionOnceEnoughProblemsAreKept()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench", "--suite", "arithmetic-rare", "--count", "4", "--select-hard", "1", "--samples", "2",
            "--keep", "2", "--budget", "2", "-g", "2", "--methods", "best-of-k", "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", _output);

        Assert.True(exitCode == 0, output);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "results.json")));
        var problems = results.RootElement.GetProperty("problems").EnumerateArray().ToList();
        Assert.Equal(4, problems.Count);
        Assert.Equal([true, true, false, false], problems.Select(p => p.GetProperty("selected").GetBoolean()));
        Assert.Equal(0, problems[3].GetProperty("screenedSamples").GetInt32());
        Assert.Contains("2 problems already kept", problems[3].GetProperty("note").GetString());
    }

    [Fact]
    public async Task KeepWithoutHardSelectionIsRefused()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench", "--suite", "arithmetic-rare", "--keep", "2", "-o", _output);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--keep needs --select-hard", output);
    }

    [Fact]
    public async Task SdpoOptionsFromJsonReachTheRunsAndTheResults()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2",
            "--methods", "sdpo", "--sdpo", """{"updatesPerBatch": 2, "teacher": "frozen", "loraRank": 4}""", "--lr", "0.002",
            "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", _output);

        Assert.True(exitCode == 0, output);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "results.json")));
        var sdpo = results.RootElement.GetProperty("configuration").GetProperty("sdpo");
        Assert.Equal(2, sdpo.GetProperty("updatesPerBatch").GetInt32());
        Assert.Equal("frozen", sdpo.GetProperty("teacher").GetString());
        Assert.Equal(4, sdpo.GetProperty("loraRank").GetInt32());
        Assert.Equal(0.002, sdpo.GetProperty("learningRate").GetDouble());
        Assert.Equal(20, sdpo.GetProperty("topK").GetInt32());
        // Fields --sdpo leaves out come from the model's sdpo_defaults.json, then the paper's defaults.
        Assert.Equal("forward-kl", sdpo.GetProperty("divergence").GetString());
    }

    [Fact]
    public async Task ConstrainedSamplingReachesTheRunsAndItsJournalIsNotResumedWithoutIt()
    {
        string[] Args(params string[] extra) => ["bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2", "--methods", "sdpo",
            "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", _output, .. extra];
        var (exitCode, output) = await CliRunner.RunAsync(Args("--constrained", "--sdpo", """{"distillWithinGrammar": true}"""));

        Assert.True(exitCode == 0, output);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "results.json"))))
        {
            var configuration = results.RootElement.GetProperty("configuration");
            Assert.True(configuration.GetProperty("sampling").GetProperty("constrained").GetBoolean());
            Assert.True(configuration.GetProperty("sdpo").GetProperty("distillWithinGrammar").GetBoolean());
        }
        var (resumed, message) = await CliRunner.RunAsync(Args("--resume", "--sdpo", """{"distillWithinGrammar": true}"""));
        Assert.True(resumed == 2, message);
        Assert.Contains("constrained=true", message);
    }

    /// <summary>A four-attempt best-of-k bench of one rare-tier puzzle on the embedded model, with <paramref name="extra"/> options.</summary>
    private string[] SmallBenchArgs(params string[] extra) => ["bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "4", "-g", "2",
        "--methods", "best-of-k", "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", _output, .. extra];

    [Fact]
    public async Task DistinctAttemptsReachTheRunsAndTheirJournalIsNotResumedWithoutThem()
    {
        var (exitCode, output) = await CliRunner.RunAsync(SmallBenchArgs("--distinct"));

        Assert.True(exitCode == 0, output);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "results.json"))))
            Assert.True(results.RootElement.GetProperty("configuration").GetProperty("sampling").GetProperty("distinctAttempts").GetBoolean());
        var (resumed, message) = await CliRunner.RunAsync(SmallBenchArgs("--resume"));
        Assert.True(resumed == 2, message);
        Assert.Contains("distinct=true", message);
    }

    [Fact]
    public async Task DistinctEquivalenceReachesTheRunsAndItsJournalIsNotResumedWithoutIt()
    {
        var (exitCode, output) = await CliRunner.RunAsync(SmallBenchArgs("--distinct-equivalent"));

        Assert.True(exitCode == 0, output);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "results.json"))))
        {
            var sampling = results.RootElement.GetProperty("configuration").GetProperty("sampling");
            Assert.True(sampling.GetProperty("distinctAttempts").GetBoolean());
            Assert.True(sampling.GetProperty("distinctEquivalence").GetBoolean());
        }
        var (resumed, message) = await CliRunner.RunAsync(SmallBenchArgs("--distinct", "--resume"));
        Assert.True(resumed == 2, message);
        Assert.Contains("distinctEquivalence=true", message);
    }

    [Fact]
    public async Task AJournalOfChainedRunsIsNotResumedWithAnotherChainCount()
    {
        string[] Args(string chains, params string[] extra) => ["bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2",
            "--methods", "multi-turn", "--chains", chains, "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", _output, .. extra];
        var (exitCode, output) = await CliRunner.RunAsync(Args("1"));
        Assert.True(exitCode == 0, output);

        // Resumed, the journal's one-chain runs were reported as runs of two chains.
        var (resumed, message) = await CliRunner.RunAsync(Args("2", "--resume"));
        Assert.True(resumed == 2, message);
        Assert.Contains("chains=1", message);
        (resumed, message) = await CliRunner.RunAsync(Args("1", "--resume"));
        Assert.True(resumed == 0, message);
        Assert.Contains("Resuming: 1 selections and runs are in the journal", message);
    }

    [Theory]
    [InlineData("""{"updatesPerBatch": 2, "tpoK": 5}""", "tpoK")]
    [InlineData("""{"teacher": "wise"}""", "teacher")]
    [InlineData("""{"loraRank": 0}""", "loraRank")]
    [InlineData("not json", "--sdpo")]
    public async Task BadSdpoOptionsAreRefusedBeforeAnythingRuns(string json, string named)
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench", "--suite", "arithmetic-rare", "--sdpo", json, "-o", _output);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--sdpo", output);
        Assert.Contains(named, output);
        Assert.False(Directory.Exists(_output));
    }
}
