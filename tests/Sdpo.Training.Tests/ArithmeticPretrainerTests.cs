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
        using (var cts = new CancellationTokenSource())
        {
            ArithmeticPretrainer.Run(interrupted, new Progress(p => { if (p.Step == 4) cts.Cancel(); }), cts.Token);
        }
        ArithmeticPretrainer.Run(interrupted);

        Assert.Equal(
            File.ReadAllBytes(Path.Combine(straight.OutputFolder, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(interrupted.OutputFolder, "model.safetensors")));
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
