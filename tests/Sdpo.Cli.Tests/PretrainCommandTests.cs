using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

[Collection(nameof(ConsoleCapture))]
public sealed class PretrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sdpo-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task FineTuningKeepsAndReportsTheStartingCheckpointsShape()
    {
        string first = Path.Combine(_root, "first"), second = Path.Combine(_root, "second");
        var (firstExit, firstOutput) = await CliRunner.RunAsync("pretrain", "--quick", "--steps", "2", "--threads", "1", "-o", first);
        Assert.True(firstExit == 0, firstOutput);

        // Without --quick the defaults name a 256-wide model; the run must say (and train) the 32-wide one it starts from.
        var (exitCode, output) = await CliRunner.RunAsync("pretrain", "--init-from", first, "--steps", "1", "--batch", "4", "--threads", "1", "-o", second);

        Assert.True(exitCode == 0, output);
        Assert.Contains("hidden 32, 2 layers", output);
        Assert.Contains("\"hidden_size\": 32", await File.ReadAllTextAsync(Path.Combine(second, "config.json")));
    }

    [Theory]
    [InlineData("--hidden", "384")]
    [InlineData("--layers", "8")]
    [InlineData("--kv-heads", "2")]
    public async Task AShapeFlagBesideInitFromIsRefusedRatherThanIgnored(string flag, string value)
    {
        string output = Path.Combine(_root, "out");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--init-from", Checkout.EmbeddedModel, flag, value, "--steps", "1", "-o", output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"{flag} cannot be used with --init-from", printed);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task InitFromAFolderWithoutAModelIsRefusedBeforeTraining()
    {
        string output = Path.Combine(_root, "out");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--init-from", _root, "--steps", "1", "-o", output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is not a checkpoint folder", printed.ReplaceLineEndings(" "));
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--policy-gradient-samples", "1", "--policy-gradient-samples must be at least 2")]
    [InlineData("--policy-gradient-puzzles", "-1", "--policy-gradient-puzzles must not be negative")]
    [InlineData("--evaluation-share", "1.5", "--evaluation-share must be between 0 and 1")]
    [InlineData("--stop-after", "2", "--stop-after must be between 1 and --steps")]
    public async Task SettingsThatCannotWorkAreRefusedBeforeTraining(string flag, string value, string message)
    {
        string output = Path.Combine(_root, "out");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--quick", flag, value, "--steps", "1", "-o", output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, printed.ReplaceLineEndings(" "));
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--steps must be at least 1", "--steps", "0")] // trained nothing and saved random weights
    [InlineData("--batch must be at least 1", "--batch", "0")] // failed on an infinite loss after creating the folder
    [InlineData("--kv-heads must be at least 1", "--kv-heads", "0")]
    [InlineData("--warmup must be at least 0", "--warmup", "-1")]
    [InlineData("--stop-after must be between 1 and --steps (30, the default)", "--stop-after", "31")] // --quick's 30 steps: was run to the end
    public async Task CountsThatCannotWorkAreRefusedBeforeTraining(string message, params string[] args)
    {
        string output = Path.Combine(_root, "out");
        var (exitCode, printed) = await CliRunner.RunAsync(["pretrain", "--quick", .. args, "--threads", "1", "-o", output]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, printed.ReplaceLineEndings(" "));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task TheEvaluationShareReachesTheCurriculumAndIsRecorded()
    {
        string output = Path.Combine(_root, "evaluation");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--quick", "--steps", "1", "--evaluation-share", "0.3", "--threads", "1", "-o", output);

        Assert.True(exitCode == 0, printed);
        using var log = await TrainingLogAsync(output);
        Assert.Equal(0.3, log.RootElement.GetProperty("options").GetProperty("Curriculum").GetProperty("EvaluationShare").GetDouble());
    }

    [Fact]
    public async Task StopAfterEndsTheRunAtThatStepOfTheLongerScheduleAndIsRecorded()
    {
        string output = Path.Combine(_root, "stopped");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--quick", "--steps", "4", "--stop-after", "2", "--threads", "1", "-o", output);

        Assert.True(exitCode == 0, printed);
        Assert.Contains("Trained to step 2 of 4", printed);
        using var log = await TrainingLogAsync(output);
        Assert.Equal(2, log.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(2, log.RootElement.GetProperty("options").GetProperty("StopAfterStep").GetInt32());
    }

    [Fact]
    public async Task APolicyGradientRunReportsItsSamplesPassRate()
    {
        string output = Path.Combine(_root, "pg");
        var (exitCode, printed) = await CliRunner.RunAsync("pretrain", "--init-from", Checkout.EmbeddedModel, "--steps", "1", "--batch", "2",
            "--policy-gradient-puzzles", "4", "--policy-gradient-samples", "4", "--threads", "1", "-o", output);

        Assert.True(exitCode == 0, printed);
        using var log = await TrainingLogAsync(output);
        var entry = log.RootElement.GetProperty("log")[0];
        Assert.InRange(entry.GetProperty("SampledPassRate").GetDouble(), 0, 1);
        Assert.Equal(4, log.RootElement.GetProperty("options").GetProperty("PolicyGradientPuzzles").GetInt32());
    }

    private static async Task<System.Text.Json.JsonDocument> TrainingLogAsync(string output) =>
        System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "training_log.json")));
}
