using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sdpo.Engine.Models;
using Sdpo.Engine.Tests.Models;
using Sdpo.Engine.Training;
using Sdpo.NativeRelease;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Runtime;

/// <summary>
/// TorchSharp's Scalar and Tensor finalizers used to free their native objects while a native call could still be
/// reading them; the build rewrites them to defer the free (build/TorchSharpPatch.targets, DeferredNativeRelease).
/// </summary>
public class TorchSharpFinalizerTests
{
    [Fact]
    public void The_TorchSharp_in_the_output_defers_freeing_finalized_scalars()
    {
        long before = DeferredNativeRelease.DeferredCount;

        DropScalars(10_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.True(DeferredNativeRelease.DeferredCount - before >= 10_000,
            $"{DeferredNativeRelease.DeferredCount - before} of 10,000 finalized scalars were deferred: TorchSharp.dll in the test output is not the patched one");
    }

    [Fact]
    public void Tensor_additions_stay_exact_while_other_threads_force_collections()
    {
        using var scope = NewDisposeScope();
        using var sum = zeros(4);
        using var one = ones(4);

        // add_(tensor) makes its alpha Scalar inside TorchSharp, which drops it before libtorch reads it. Unpatched,
        // a few rounds in a thousand here read a freed Scalar (an exception from c10, or a wrong sum).
        var (rounds, wrong) = RoundsGoneWrong(TimeSpan.FromSeconds(3), expected: 200f, round: () =>
        {
            sum.zero_();
            for (int i = 0; i < 200; i++) sum.add_(one);
            using var first = sum[0];
            return first.ToSingle();
        });

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {rounds} rounds went wrong, first: {wrong.FirstOrDefault()}");
    }

    [Fact]
    public void Temporary_tensors_outside_a_dispose_scope_stay_alive_while_libtorch_reads_them()
    {
        using var sum = zeros(64);
        using var one = ones(64);

        // No dispose scope holds one.mul(one): it is garbage once its handle is passed to add_. Unpatched, the
        // tensor finalizer freed it under libtorch within seconds here, which crashed the process.
        var (rounds, wrong) = RoundsGoneWrong(TimeSpan.FromSeconds(2), expected: 100f, round: () =>
        {
            sum.zero_();
            for (int i = 0; i < 100; i++) sum.add_(one.mul(one));
            using var first = sum[0];
            return first.ToSingle();
        });

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {rounds} rounds went wrong, first: {wrong.FirstOrDefault()}");
    }

    /// <summary>Runs <paramref name="round"/> for <paramref name="duration"/> under forced collections; lists each wrong result or c10 error.</summary>
    private static (int Rounds, List<string> Wrong) RoundsGoneWrong(TimeSpan duration, float expected, Func<float> round)
    {
        int rounds = 0;
        var wrong = new List<string>();
        using (ForcedCollections())
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                try
                {
                    float value = round();
                    if (value != expected) wrong.Add($"sum {value}");
                }
                catch (ExternalException e)
                {
                    wrong.Add(e.Message.Split('\n')[0]);
                }
                rounds++;
            }
        }
        return (rounds, wrong);
    }

    [Fact]
    public void Training_gives_the_same_weights_while_other_threads_force_collections()
    {
        double quiet = TrainAndSumWeights();
        var sums = new List<double>();
        using (ForcedCollections())
            for (int round = 0; round < 5; round++) sums.Add(TrainAndSumWeights());

        Assert.All(sums, sum => Assert.Equal(quiet, sum));
    }

    /// <summary>A thread that collects garbage and runs finalizers back to back until disposed.</summary>
    private static IDisposable ForcedCollections()
    {
        var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 200; i++) _ = new byte[1024];
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        return new Stopper(() => { stop.Cancel(); collector.Join(); stop.Dispose(); });
    }

    private sealed class Stopper(Action stop) : IDisposable
    {
        public void Dispose() => stop();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropScalars(int count)
    {
        for (int i = 0; i < count; i++) _ = (i + 0.5).ToScalar();
    }

    private static double TrainAndSumWeights()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Random(TinyModels.Qwen3Config());
        using var trainer = new LanguageModelTrainer(model, new TrainerOptions { LearningRate = 1e-2, WarmupSteps = 2, TotalSteps = 20, WeightDecay = 0.1 });
        var random = new Random(3);
        for (int step = 0; step < 20; step++)
            trainer.TrainStep(Enumerable.Range(0, 4)
                .Select(_ => new TrainingExample(Enumerable.Range(0, 12).Select(_ => random.Next(3, 97)).ToList(), CompletionStart: 4)).ToList());
        return model.parameters().Sum(p => p.abs().sum().ToDouble());
    }
}
