using System.Text.Json;
using Sdpo.Cli.Commands;
using Sdpo.TestSupport;
using Sdpo.Training.Arithmetic;

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

    [Fact]
    public async Task AProblemsFileIsEvaluatedInsteadOfFreshPuzzlesWithTheTeacherAdvantageOfUpToNFailuresEachAndPassRatesAfterFeedback()
    {
        var problems = Path.Combine(_output, "hard.jsonl.in");
        await File.WriteAllLinesAsync(problems, [
            """{"kind": "arithmetic", "numbers": [12, 9, 1, 5], "target": 56}""",
            "",
            """{"kind": "arithmetic", "numbers": [2, 12, 6, 11], "target": 20}""",
        ]);
        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", Checkout.EmbeddedModel, "--problems", problems, "--samples", "8",
            "--advantage-cases", "3", "--feedback-samples", "4", "--threads", "1", "-o", _output);

        Assert.True(exitCode == 0, output);
        var eval = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "eval.json"))).RootElement;
        var tier = Assert.Single(eval.GetProperty("tiers").EnumerateArray());
        Assert.Equal(("problems", 2), (tier.GetProperty("tier").GetString(), tier.GetProperty("Puzzles").GetInt32()));
        Assert.Equal(["12 9 1 5 -> 56", "2 12 6 11 -> 20"], eval.GetProperty("puzzles").EnumerateArray()
            .Select(p => string.Join(' ', p.GetProperty("problem").GetProperty("numbers").EnumerateArray().Select(n => n.GetInt32()))
                         + " -> " + p.GetProperty("problem").GetProperty("target").GetInt32()));
        // Both puzzles are hard for the model, so each gives failures: at most 3 of them are measured per puzzle.
        var cases = eval.GetProperty("teacherAdvantage").EnumerateArray().Sum(kind => kind.GetProperty("Cases").GetInt32());
        Assert.InRange(cases, 2, 6);
        // And each puzzle was sampled again after its first failure's feedback.
        var withFeedback = Assert.Single(eval.GetProperty("passRatesWithFeedback").EnumerateArray());
        Assert.Equal(("problems", 2), (withFeedback.GetProperty("tier").GetString(), withFeedback.GetProperty("Puzzles").GetInt32()));
        Assert.InRange(withFeedback.GetProperty("PassAt1WithFeedback").GetDouble(), 0.0, 1.0);
    }

    [Fact]
    public async Task StandardOutputIsTheReportWithTheFeedbackKindsAsTheDocsNameThemAndEvalJsonKeepsItsKeys()
    {
        var problems = Path.Combine(_output, "hard.jsonl.in");
        await File.WriteAllLinesAsync(problems, [
            """{"kind": "arithmetic", "numbers": [12, 9, 1, 5], "target": 56}""",
            """{"kind": "arithmetic", "numbers": [2, 12, 6, 11], "target": 20}""",
        ]);
        var (exitCode, standardOutput, standardError) = await CliRunner.RunInTerminalSplitAsync("eval", "-m", Checkout.EmbeddedModel, "--problems", problems,
            "--samples", "4", "--advantage-cases", "2", "--threads", "1", "-o", _output);

        Assert.True(exitCode == 0, standardOutput + standardError);
        // In a terminal the progress went to standard output, before the tables.
        Assert.DoesNotContain("per puzzle at temperature", standardOutput);
        Assert.Contains("mean advantage (nats)", standardOutput);
        // The table said WrongValue and NumbersMisused where the docs say "wrong value" and "numbers misused"; eval.json keeps the
        // enum's names, which the tools in docs/results/tools read.
        var kinds = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "eval.json"))).RootElement
            .GetProperty("teacherAdvantage").EnumerateArray().Select(a => a.GetProperty("kind").GetString()!).ToList();
        Assert.NotEmpty(kinds);
        Assert.All(kinds, kind => Assert.Contains(kind, new[] { "Malformed", "NumbersMisused", "WrongValue" }));
        foreach (var kind in kinds) Assert.Contains(EvalCommand.FeedbackName(Enum.Parse<FeedbackKind>(kind)), standardOutput);
        Assert.DoesNotContain("WrongValue", standardOutput);
        Assert.DoesNotContain("NumbersMisused", standardOutput);
    }

    [Fact]
    public async Task TheCurriculumOverlapCountsATiersPuzzlesAmongTheTrainingDistributionsDraws()
    {
        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", Checkout.EmbeddedModel, "--per-tier", "10", "--samples", "4",
            "--advantage-cases", "0", "--curriculum-overlap", "30000", "--threads", "1", "-o", _output);

        Assert.True(exitCode == 0, output);
        var eval = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "eval.json"))).RootElement;
        var overlap = eval.GetProperty("curriculumOverlap").EnumerateArray()
            .ToDictionary(t => t.GetProperty("tier").GetString()!, t => t.GetProperty("Covered").GetInt32());
        // The easy tier's space is small, so the curriculum draws many of its puzzles; the rare tier's targets are too rare to be drawn.
        Assert.InRange(overlap["Easy"], 3, 10);
        Assert.Equal(0, overlap["Rare"]);
        Assert.Contains("curriculum draws", output);
    }

    [Fact]
    public async Task TheEvalSliceIsDrawnAloneAndAModelThatMayHaveSeenItIsFlagged()
    {
        // The shipped model left the slice out of every stage: none of the slice is among its curriculum's draws.
        var clean = await EvalSliceAsync(Checkout.EmbeddedModel, Path.Combine(_output, "clean"));
        Assert.Contains("which every stage of this model's training left out", clean.Output.ReplaceLineEndings(" "));
        Assert.True(clean.Eval.GetProperty("evalSliceLeftOut").GetBoolean());
        Assert.Equal(0, EasyCovered(clean.Eval));

        // The same weights with a log from before the slice existed: flagged, and the overlap counts the whole space.
        string unmarked = Path.Combine(_output, "unmarked");
        Directory.CreateDirectory(unmarked);
        foreach (var file in Directory.GetFiles(Checkout.EmbeddedModel)) File.Copy(file, Path.Combine(unmarked, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(unmarked, "training_log.json"), "{}");
        var flagged = await EvalSliceAsync(unmarked, Path.Combine(_output, "flagged"));
        Assert.Contains("did not leave the slice out", flagged.Output.ReplaceLineEndings(" "));
        Assert.False(flagged.Eval.GetProperty("evalSliceLeftOut").GetBoolean());
        Assert.InRange(EasyCovered(flagged.Eval), 3, 10);
    }

    private static async Task<(string Output, JsonElement Eval)> EvalSliceAsync(string model, string output)
    {
        var (exitCode, printed) = await CliRunner.RunAsync("eval", "-m", model, "--per-tier", "10", "--samples", "2",
            "--advantage-cases", "0", "--eval-slice", "--curriculum-overlap", "30000", "--threads", "1", "-o", output);
        Assert.True(exitCode == 0, printed);
        var eval = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "eval.json"))).RootElement;
        Assert.True(eval.GetProperty("evalSlice").GetBoolean());
        foreach (var puzzle in eval.GetProperty("puzzles").EnumerateArray())
            Assert.True(Sdpo.Training.Arithmetic.EvalSlice.Contains(Sdpo.Verifiers.Arithmetic.ArithmeticPuzzle.FromJson(puzzle.GetProperty("problem").GetRawText())));
        return (printed, eval);
    }

    private static int EasyCovered(JsonElement eval) =>
        eval.GetProperty("curriculumOverlap").EnumerateArray().Single(t => t.GetProperty("tier").GetString() == "Easy").GetProperty("Covered").GetInt32();

    [Fact]
    public async Task WithoutAModelTheCheckoutsIsFoundFromAnotherWorkingDirectory()
    {
        // As solve, bench and probe find it: eval looked for src/models/arithmetic under the working directory alone.
        var workingDirectory = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(_output);
        try
        {
            var (exitCode, output) = await CliRunner.RunAsync("eval", "--per-tier", "1", "--samples", "1", "--advantage-cases", "0", "--threads", "1", "-o", _output);

            Assert.True(exitCode == 0, output);
            var eval = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "eval.json"))).RootElement;
            Assert.Equal(Path.GetFullPath(Checkout.EmbeddedModel), eval.GetProperty("model").GetString());
        }
        finally
        {
            Directory.SetCurrentDirectory(workingDirectory);
        }
        var (helpExit, help) = await CliRunner.RunAsync("eval", "--help");
        Assert.Equal(0, helpExit);
        Assert.Contains("(default: src/models/arithmetic)", string.Join(' ', help.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task AMalformedTrainingLogIsRefusedNamingIt()
    {
        string model = Path.Combine(_output, "model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(Checkout.EmbeddedModel)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(model, "training_log.json"), "{\"steps\": ");

        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", model, "--per-tier", "1", "--samples", "1", "--threads", "1", "-o", _output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(Path.Combine(model, "training_log.json"), output.ReplaceLineEndings(""));
        Assert.False(File.Exists(Path.Combine(_output, "eval.json")));
    }

    [Fact]
    public async Task AMissingProblemsFileIsRefusedNamingIt()
    {
        var (exitCode, output) = await CliRunner.RunAsync("eval", "-m", Checkout.EmbeddedModel, "--problems", "no-such.jsonl", "-o", _output);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no-such.jsonl", output);
        Assert.False(File.Exists(Path.Combine(_output, "eval.json")));
    }

    [Theory]
    [InlineData("--samples must be at least 1", "--samples", "0")] // failed on an internal message about prompts
    [InlineData("--per-tier must be at least 1", "--per-tier", "0")] // printed empty tables and wrote them
    [InlineData("--per-tier must be at least 1", "--per-tier", "-1")]
    public async Task CountsBelowOneAreRefused(string message, params string[] args)
    {
        var (exitCode, output) = await CliRunner.RunAsync(["eval", "-m", Checkout.EmbeddedModel, "--per-tier", "1", "--samples", "1", .. args,
            "--threads", "1", "-o", _output]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(_output, "eval.json")));
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
