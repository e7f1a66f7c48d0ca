using System.Text.Json;
using Sdpo.Engine;
using Sdpo.Engine.Models;
using Sdpo.Training.Arithmetic;

namespace Sdpo.Training.Tests;

public sealed class ArithmeticPretrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sdpo-pretrain-" + Guid.NewGuid().ToString("N"));

    private PretrainOptions Options(string name, int steps) =>
        PretrainOptions.Quick(Path.Combine(_root, name)) with { Steps = steps, EvaluateEvery = 4, CheckpointEvery = 2 };

    [Fact]
    public async Task WritesACheckpointTheEngineLoadsLikeAnyHuggingFaceModel()
    {
        var options = Options("model", 4);
        var reports = new List<PretrainProgress>();
        ArithmeticPretrainer.Run(options, new Progress(reports.Add));

        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", ArithmeticPretrainer.LogFileName })
            Assert.True(File.Exists(Path.Combine(options.OutputFolder, file)), file);
        Assert.Equal(Enumerable.Range(1, 4), reports.Select(r => r.Step));
        Assert.NotNull(reports[^1].HeldOutAccuracy);

        using var model = await LanguageModel.LoadAsync("quick", options.OutputFolder);
        Assert.Equal(ModelArchitecture.Qwen3, model.Model.Config.Architecture);
        Assert.Equal(options.HiddenSize, model.Model.Config.HiddenSize);
        Assert.Equal("Numbers: 1 2 3\nTarget: 6\nExpression: ", model.Tokenizer.Decode(model.EncodePrompt("Numbers: 1 2 3\nTarget: 6\nExpression: ")));
    }

    [Fact]
    public void IsDeterministicAndResumesExactlyFromItsCheckpoint()
    {
        var straight = Options("straight", 6);
        ArithmeticPretrainer.Run(straight);

        var interrupted = Options("interrupted", 6);
        PretrainSummary first;
        using (var cts = new CancellationTokenSource())
        {
            first = ArithmeticPretrainer.Run(interrupted, new Progress(p => { if (p.Step == 4) cts.Cancel(); }), cts.Token);
        }
        Assert.Equal(4, first.Steps);
        var resumed = ArithmeticPretrainer.Run(interrupted);

        Assert.Equal(
            File.ReadAllBytes(Path.Combine(straight.OutputFolder, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(interrupted.OutputFolder, "model.safetensors")));
        // The log of the resumed run covers both sessions, as the straight run's does.
        Assert.Equal(LoggedSteps(straight), LoggedSteps(interrupted));
        Assert.Equal(new PretrainSummary(6, 6, resumed.Elapsed, AlreadyComplete: false), resumed);
        Assert.True(resumed.Elapsed > first.Elapsed, $"{resumed.Elapsed} should include the first session's {first.Elapsed}");
        Assert.Equal(resumed.Elapsed.TotalSeconds, LoggedSeconds(interrupted), 3);
    }

    [Fact]
    public void StoppingAfterAStepKeepsTheLongerSchedulesLearningRateAndAResumeWithoutItGoesOn()
    {
        var cut = Options("cut", 6);
        using (var cts = new CancellationTokenSource())
            ArithmeticPretrainer.Run(cut, new Progress(p => { if (p.Step == 3) cts.Cancel(); }), cts.Token);
        var stopped = Options("stopped", 6) with { StopAfterStep = 3 };
        var reports = new List<PretrainProgress>();

        var summary = ArithmeticPretrainer.Run(stopped, new Progress(reports.Add));

        Assert.Equal(3, summary.Steps);
        Assert.Equal(Enumerable.Range(1, 3), reports.Select(r => r.Step));
        Assert.NotNull(reports[^1].HeldOutAccuracy);
        // The same three steps as six-step training cut at its third: a three-step schedule would have decayed faster.
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(cut.OutputFolder, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(stopped.OutputFolder, "model.safetensors")));
        Assert.True(ArithmeticPretrainer.Run(stopped).AlreadyComplete);
        Assert.Equal(6, ArithmeticPretrainer.Run(stopped with { StopAfterStep = null }).Steps);
    }

    [Fact]
    public void RunningAgainOnceEveryStepIsDoneChangesNothing()
    {
        var options = Options("done", 4);
        ArithmeticPretrainer.Run(options);
        var files = new[] { "model.safetensors", ArithmeticPretrainer.LogFileName }
            .ToDictionary(name => name, name => File.ReadAllBytes(Path.Combine(options.OutputFolder, name)));
        var reports = new List<PretrainProgress>();

        var again = ArithmeticPretrainer.Run(options, new Progress(reports.Add));

        Assert.True(again.AlreadyComplete);
        Assert.Equal(4, again.Steps);
        Assert.Empty(reports);
        foreach (var (name, bytes) in files) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(options.OutputFolder, name)));
        Assert.Equal(LoggedSeconds(options), again.Elapsed.TotalSeconds, 3);
    }

    private static int[] LoggedSteps(PretrainOptions options)
    {
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.OutputFolder, ArithmeticPretrainer.LogFileName)));
        return log.RootElement.GetProperty("log").EnumerateArray().Select(e => e.GetProperty("Step").GetInt32()).ToArray();
    }

    private static double LoggedSeconds(PretrainOptions options)
    {
        using var log = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.OutputFolder, ArithmeticPretrainer.LogFileName)));
        return log.RootElement.GetProperty("seconds").GetDouble();
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private sealed class Progress(Action<PretrainProgress> report) : IProgress<PretrainProgress>
    {
        public void Report(PretrainProgress value) => report(value);
    }
}
