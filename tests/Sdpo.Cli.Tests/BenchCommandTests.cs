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
}
