using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

/// <summary>
/// Each benchmark command runs end to end at toy sizes and prints its figures; a missing input is a clear
/// error with exit code 2. No timing is asserted: these check that the commands work, not how fast.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public class BenchCommandSmokeTests
{
    [Fact]
    public async Task BenchEngineOnATinyRandomModelPrintsEveryFigure()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench-engine", "--only", "qwen3-random",
            "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--vocab", "50",
            "--batch", "2", "--prompt-tokens", "2", "--new-tokens", "3", "--long-tokens", "4",
            "--train-tokens", "4", "--train-steps", "1", "--memory-steps", "3", "--threads", "1");

        Assert.True(exitCode == 0, output);
        Assert.Contains("qwen3-random: Qwen3, hidden 16, 1 layers", output);
        Assert.Contains("| KV-cache speed-up at 4 new tokens |", output);
        Assert.Contains("| LoRA step (forward + backward + AdamW), batch 2 x 4 tokens", output);
        Assert.Contains("| working set growth |", output);
        Assert.Contains("load average", output);
    }

    [Fact]
    public async Task BenchEngineWithAMissingCheckpointSaysWhere()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sdpo-no-such-model-" + Guid.NewGuid().ToString("N"));
        var (exitCode, output) = await CliRunner.RunAsync("bench-engine", "--only", "stories260k", "--stories", missing);
        Assert.Equal(2, exitCode);
        Assert.Contains("no config.json", output);
        Assert.Contains(missing, output);
    }

    [SharedDataFact("models/stories260k")]
    public async Task BenchDiscoveryComparesSdpoWithBestOfKAndTracksMemory()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench-discovery", "--model", SharedData.Require("models/stories260k"), "--attempts-per-step", "2", "--max-new-tokens", "3",
            "--attempts", "4", "--rounds", "1", "--memory-attempts", "6", "--threads", "1");

        Assert.True(exitCode == 0, output);
        Assert.Contains("stories260k", output);
        Assert.Contains("| SDPO / best-of-k per attempt (median of per-round ratios) |", output);
        Assert.Contains("| SDPO split per attempt: sampling / verifying / teacher / update / other ms |", output);
        Assert.Contains("| working set growth |", output);
    }

    [Fact]
    public async Task BenchDiscoveryWithAFolderThatIsNoCheckpointFailsClearly()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench-discovery", "--model", Path.GetTempPath());
        Assert.Equal(2, exitCode);
        Assert.Contains("is not a checkpoint folder (no config.json)", output);
    }

    [SharedDataFact("problems/humaneval/HumanEval.jsonl.gz")]
    public async Task BenchVerifiersRunsCanonicalSolutionsInBothModes()
    {
        var (exitCode, output) = await CliRunner.RunAsync("bench-verifiers", "--tasks", "2", "--rounds", "1", "--parallelism", "2");

        Assert.True(exitCode == 0, output);
        Assert.Contains("| not sandboxed (rlimits only): verifications/s (median of 1 rounds) |", output);
        Assert.Contains("| not sandboxed (rlimits only): passed / sandboxed per round | 2/2 passed, 0 sandboxed |", output);
    }
}

[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;
