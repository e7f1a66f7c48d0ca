using Sdpo.Benchmarks;

namespace Sdpo.Cli.Tests;

/// <summary>The BenchmarkDotNet classes run outside BenchmarkDotNet here, once each, so a change that breaks them fails
/// the tests rather than the next measurement.</summary>
public sealed class MicroBenchmarkTests
{
    [Fact]
    public void Every_piece_of_an_sdpo_step_runs_on_the_embedded_model()
    {
        var benchmarks = new SdpoStepBenchmarks { Model = BenchmarkModels.Embedded };
        benchmarks.Setup();
        try
        {
            // A fresh adapter's B is zero, so its merged weights are the base weights: the student samples what the base
            // model does, and the two sampling benchmarks time the same tokens.
            var baseTokens = benchmarks.SampleBaseModel();
            Assert.True(baseTokens > 0);
            Assert.Equal(baseTokens, benchmarks.SampleStudent());
            benchmarks.MergeAdapter();
            benchmarks.TeacherPass();
            benchmarks.TeacherPass();
            benchmarks.StudentForward();
            var gradNorm = benchmarks.Update();
            Assert.True(double.IsFinite(gradNorm) && gradNorm > 0, $"grad norm {gradNorm}");
        }
        finally
        {
            benchmarks.Cleanup();
        }
    }

    [Fact]
    public void A_layer_runs_with_and_without_its_adapter()
    {
        foreach (var adapted in new[] { false, true })
        {
            var benchmarks = new AdaptedLayerBenchmarks { Shape = "64x172", Adapted = adapted };
            benchmarks.Setup();
            benchmarks.ForwardBackward();
            benchmarks.Cleanup();
        }
    }

    [Fact]
    public void The_embedded_model_is_always_among_the_models()
    {
        Assert.Contains(BenchmarkModels.Embedded, BenchmarkModels.Available());
        Assert.True(File.Exists(Path.Combine(BenchmarkModels.Folder(BenchmarkModels.Embedded), "config.json")));
    }
}
