using System.Text.Json;
using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

[Collection(nameof(ConsoleCapture))]
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("sdpo-eval-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task NearZeroTemperatureSamplesTheGreedyAnswerEveryTime()
    {
        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", Checkout.EmbeddedModel, "--per-tier", "3", "--samples", "6",
            "--temperature", "0.01", "--threads", "1", "-o", _output);

        Assert.True(exitCode == 0, output);
        var eval = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "eval.json"))).RootElement;
        Assert.Equal(0.01, eval.GetProperty("Temperature").GetDouble());
        // At 0.01 every sample is the likeliest answer, so a puzzle passes all its samples or none, as its greedy answer does.
        foreach (var puzzle in eval.GetProperty("puzzles").EnumerateArray())
            Assert.Equal(puzzle.GetProperty("GreedyPassed").GetBoolean() ? 6 : 0, puzzle.GetProperty("Passed").GetInt32());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task ATemperatureOutsideTheRangeIsRefused(string temperature)
    {
        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", Checkout.EmbeddedModel, "--temperature", temperature, "-o", _output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--temperature must be in (0, 10]", output);
        Assert.False(File.Exists(Path.Combine(_output, "eval.json")));
    }
}
