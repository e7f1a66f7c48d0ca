using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

/// <summary>Run resume: student + EMA teacher + AdamW moments saved to a folder continue bit-identically.</summary>
public sealed class AdapterTrainingStateTests : IDisposable
{
    private const double EmaRate = 0.1;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sdpo-train-" + Guid.NewGuid().ToString("N"));
    private readonly TinyAdaptableModel _model = new();
    private readonly Tensor _input;

    public AdapterTrainingStateTests() => _input = _model.Input();

    public void Dispose()
    {
        _input.Dispose();
        _model.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static AdapterAdamW NewAdamW(LoraAdapter student) => new(student, learningRate: 1e-2, weightDecay: 0.01);

    [Fact]
    public void SavedStateResumesBitIdenticallyAndAFreshOptimizerWouldNot()
    {
        using var original = NewState();
        for (var i = 0; i < 3; i++) Step(original);
        original.Save(_folder, "tiny");
        Step(original);

        // Loaded inside a dispose scope, as a DeviceThread work item would: nothing of it may die with the scope.
        AdapterTrainingState resumed;
        using (NewDisposeScope()) resumed = AdapterTrainingState.Load(_folder, _model, NewAdamW);
        using var _ = resumed;
        Step(resumed);
        Assert.All(resumed.Student.Parameters.Zip(original.Student.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
        Assert.All(resumed.Teacher!.Parameters.Zip(original.Teacher!.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));

        // Control: the same adapters with a fresh AdamW (moments and step count lost) take a different step.
        var student = PeftAdapterFormat.Load(Path.Combine(_folder, "student"), _model);
        using var restarted = new AdapterTrainingState(student, PeftAdapterFormat.Load(Path.Combine(_folder, "teacher"), _model), NewAdamW(student));
        Step(restarted);
        Assert.Contains(restarted.Student.Parameters.Zip(original.Student.Parameters), p => !Bits.Same(p.First, p.Second));
    }

    [Fact]
    public void SaveWritesPeftFoldersAndReplacesAnEarlierSave()
    {
        using var state = NewState();
        Step(state);
        state.Save(_folder);
        Step(state);
        state.Save(_folder);

        Assert.Equal(["optimizer.bin", "student", "teacher"],
            Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetDirectoryName(_folder)!), path => path.StartsWith(_folder + ".", StringComparison.Ordinal));
        using var student = PeftAdapterFormat.Load(Path.Combine(_folder, "student"), _model);
        Assert.All(student.Parameters.Zip(state.Student.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
    }

    [Fact]
    public void OptimizerStateForAnotherLayoutIsAClearError()
    {
        byte[] smallOptimizer;
        using (var small = NewState(new LoraOptions { Rank = 4 }))
        {
            Step(small);
            small.Save(_folder);
            smallOptimizer = File.ReadAllBytes(Path.Combine(_folder, "optimizer.bin"));
        }
        using (var full = NewState()) full.Save(_folder);
        File.WriteAllBytes(Path.Combine(_folder, "optimizer.bin"), smallOptimizer);

        var error = Assert.Throws<AdapterException>(() => AdapterTrainingState.Load(_folder, _model, NewAdamW));
        Assert.Contains("optimizer.bin", error.Message);
        Assert.All(_model.named_modules().Select(m => m.module).OfType<AdaptableLinear>(), layer => Assert.Null(layer.Lora));
    }

    private AdapterTrainingState NewState(LoraOptions? options = null)
    {
        var student = LoraAdapter.Create(_model, options, seed: 4);
        return new AdapterTrainingState(student, student.Clone(), NewAdamW(student));
    }

    private void Step(AdapterTrainingState state)
    {
        using var scope = NewDisposeScope();
        using (state.Student.Attach(_model))
        {
            state.Optimizer.ZeroGrad();
            _model.forward(_input).square().mean().backward();
            state.Optimizer.Step();
        }
        state.Teacher!.UpdateEma(state.Student, EmaRate);
    }
}
