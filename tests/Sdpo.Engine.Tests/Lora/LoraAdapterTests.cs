using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

public class LoraAdapterTests
{
    private static readonly string[] LayerKinds =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

    [Fact]
    public void CreateTargetsEveryProjectionByHuggingFacePathWithPeftShapesAndInit()
    {
        using var model = new TinyAdaptableModel();
        using var adapter = LoraAdapter.Create(model, seed: 3);

        var expected = Enumerable.Range(0, 2).SelectMany(i => LayerKinds.Select(kind => $"model.layers.{i}.{kind}")).ToArray();
        Assert.Equal(expected, adapter.ModulePaths);
        Assert.Equal(28, adapter.Parameters.Count);
        Assert.Equal(2.0, adapter.Options.Scaling);

        var kProj = adapter.Layers["model.layers.1.self_attn.k_proj"];
        Assert.Equal(new long[] { 8, 16 }, kProj.A.shape);
        Assert.Equal(new long[] { 8, 8 }, kProj.B.shape);
        var downProj = adapter.Layers["model.layers.0.mlp.down_proj"];
        Assert.Equal(new long[] { 8, 24 }, downProj.A.shape);
        Assert.Equal(new long[] { 16, 8 }, downProj.B.shape);

        foreach (var parameter in adapter.Parameters)
        {
            Assert.Equal(ScalarType.Float32, parameter.dtype);
            Assert.True(parameter.requires_grad);
        }
        foreach (var pair in adapter.Layers.Values)
        {
            Assert.Equal(0, pair.B.abs().sum().item<float>());
            var bound = 1 / Math.Sqrt(pair.InFeatures); // kaiming_uniform with a = sqrt(5)
            Assert.True(pair.A.abs().max().item<float>() <= bound);
            Assert.True(pair.A.abs().max().item<float>() > bound * 0.5);
        }
    }

    [Fact]
    public void SameSeedGivesSameAdapterAndOtherSeedDiffers()
    {
        using var model = new TinyAdaptableModel();
        using var first = LoraAdapter.Create(model, seed: 5);
        using var again = LoraAdapter.Create(model, seed: 5);
        using var other = LoraAdapter.Create(model, seed: 6);
        Assert.All(first.Parameters.Zip(again.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));
        Assert.False(Bits.Same(first.Layers["model.layers.0.self_attn.q_proj"].A, other.Layers["model.layers.0.self_attn.q_proj"].A));
    }

    [Fact]
    public void TargetModulesSelectLayersAndNoTargetIsAClearError()
    {
        using var model = new TinyAdaptableModel();
        using var headOnly = LoraAdapter.Create(model, new LoraOptions { TargetModules = ["lm_head", "v_proj"], Rank = 2 });
        Assert.Equal(["model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.v_proj", "lm_head"], headOnly.ModulePaths);

        var error = Assert.Throws<AdapterException>(() => LoraAdapter.Create(model, new LoraOptions { TargetModules = ["c_attn"] }));
        Assert.Contains("c_attn", error.Message);
        Assert.Throws<AdapterException>(() => LoraAdapter.Create(model, new LoraOptions { Rank = 0 }));
    }

    [Fact]
    public void LayersToTransformKeepTargetsInThoseDecoderLayersOnly()
    {
        using var model = new TinyAdaptableModel();
        // As in PEFT, a module without a layer index (the head) is left out once layers are named.
        using var secondLayer = LoraAdapter.Create(model, new LoraOptions { TargetModules = ["lm_head", "v_proj"], LayersToTransform = [1] });
        Assert.Equal(["model.layers.1.self_attn.v_proj"], secondLayer.ModulePaths);

        var missing = Assert.Throws<AdapterException>(() => LoraAdapter.Create(model, new LoraOptions { LayersToTransform = [1, 2] }));
        Assert.Contains("layer 2", missing.Message);
        Assert.Contains("0 to 1", missing.Message);
        foreach (IReadOnlyList<int> invalid in new[] { Array.Empty<int>(), [-1], [1, 1] })
            Assert.Throws<AdapterException>(() => LoraAdapter.Create(model, new LoraOptions { LayersToTransform = invalid }));
        Assert.Equal(3, LoraOptions.LayerIndex("model.layers.3.mlp.up_proj"));
        Assert.Null(LoraOptions.LayerIndex("lm_head"));
    }

    [Fact]
    public void FreshAdapterLeavesOutputUnchangedAndDetachRestoresItExactly()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        using var baseOutput = model.forward(input);
        using var adapter = LoraAdapter.Create(model, seed: 1);

        using (adapter.Attach(model))
        {
            using var adapted = model.forward(input);
            Assert.True(Bits.Same(adapted, baseOutput));
            Randomize(adapter, 11);
            using var changed = model.forward(input);
            Assert.False(changed.allclose(baseOutput, rtol: 0, atol: 1e-3));
        }

        Assert.False(adapter.IsAttached);
        using var restored = model.forward(input);
        Assert.True(Bits.Same(restored, baseOutput));
    }

    [Fact]
    public void BackwardAndAdamWStepTouchOnlyLoraParameters()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        var baseBefore = model.parameters().Select(p => p.detach().clone()).ToList();
        using var adapter = LoraAdapter.Create(model, seed: 2);
        var loraBefore = adapter.Parameters.Select(p => p.detach().clone()).ToList();
        using var optimizer = new AdapterAdamW(adapter, learningRate: 1e-2, weightDecay: 0.01);

        using (adapter.Attach(model))
        using (var scope = NewDisposeScope())
        {
            Assert.Equal(baseBefore.Count, model.parameters().Count()); // the adapter stays out of the base model
            optimizer.ZeroGrad();
            model.forward(input).square().mean().backward();
            Assert.All(model.parameters(), p => Assert.Null(p.grad));
            Assert.All(adapter.Parameters, p => Assert.NotNull(p.grad));
            // B = 0 at the start, so only B receives a nonzero gradient on the first step.
            Assert.All(adapter.Layers.Values, pair => Assert.True(pair.B.grad!.abs().sum().item<float>() > 0));
            optimizer.Step();
        }

        Assert.All(model.parameters().Zip(baseBefore), p => Assert.True(Bits.Same(p.First, p.Second)));
        var changed = adapter.Parameters.Zip(loraBefore).Count(p => !Bits.Same(p.First, p.Second));
        Assert.True(changed >= adapter.Layers.Count, $"only {changed} LoRA tensors changed");
    }

    [Fact]
    public void TwoAdaptersOverOneBaseModelTakeTurns()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        using var first = LoraAdapter.Create(model, seed: 1);
        using var second = LoraAdapter.Create(model, seed: 2);
        Randomize(first, 21);
        Randomize(second, 22);

        Tensor firstOutput, secondOutput;
        using (first.Attach(model)) firstOutput = model.forward(input);
        using (second.Attach(model)) secondOutput = model.forward(input);
        using (first.Attach(model))
        {
            using var again = model.forward(input);
            Assert.True(Bits.Same(again, firstOutput));
        }
        Assert.False(firstOutput.allclose(secondOutput, rtol: 0, atol: 1e-3));
        firstOutput.Dispose();
        secondOutput.Dispose();
    }

    [Fact]
    public void AttachingASecondAdapterOrTheSameOneTwiceIsAnError()
    {
        using var model = new TinyAdaptableModel();
        using var first = LoraAdapter.Create(model);
        using var second = LoraAdapter.Create(model, new LoraOptions { TargetModules = ["lm_head"] });
        using var attachment = first.Attach(model);

        var error = Assert.Throws<AdapterException>(() => second.Attach(model));
        Assert.Contains("model.layers.0.self_attn.q_proj", error.Message);
        Assert.Null(((AdaptableLinear)model.named_modules().Single(m => m.name == "lm_head").module).Lora);
        Assert.Throws<AdapterException>(() => first.Attach(model));

        attachment.Dispose();
        using (second.Attach(model)) Assert.True(second.IsAttached);
    }

    [Fact]
    public void AttachingToAModelWithOtherShapesNamesTheLayer()
    {
        using var model = new TinyAdaptableModel();
        using var wider = new TinyAdaptableModel(intermediate: 20);
        using var deeper = new TinyAdaptableModel(layers: 3);
        using var shallower = new TinyAdaptableModel(layers: 1);
        using var adapter = LoraAdapter.Create(model);

        var error = Assert.Throws<AdapterException>(() => adapter.Attach(wider));
        Assert.Contains("'model.layers.0.mlp.gate_proj'", error.Message);
        Assert.All(wider.named_modules().Select(m => m.module).OfType<AdaptableLinear>(), layer => Assert.Null(layer.Lora));

        error = Assert.Throws<AdapterException>(() => adapter.Attach(shallower));
        Assert.Contains("'model.layers.1.self_attn.q_proj'", error.Message);

        // A model with extra layers is fine: they simply run without an update.
        using (adapter.Attach(deeper)) Assert.True(adapter.IsAttached);
    }

    [Fact]
    public void CloneIsDeepAndCopyFromOverwrites()
    {
        using var model = new TinyAdaptableModel();
        using var student = LoraAdapter.Create(model, seed: 1);
        Randomize(student, 31);
        using var teacher = student.Clone();
        Assert.All(teacher.Parameters.Zip(student.Parameters), p =>
        {
            Assert.True(Bits.Same(p.First, p.Second));
            Assert.True(p.First.requires_grad);
        });

        Randomize(student, 32);
        Assert.False(Bits.Same(teacher.Parameters[1], student.Parameters[1]));
        teacher.CopyFrom(student);
        Assert.All(teacher.Parameters.Zip(student.Parameters), p => Assert.True(Bits.Same(p.First, p.Second)));

        using var smaller = LoraAdapter.Create(model, new LoraOptions { Rank = 4 });
        var error = Assert.Throws<AdapterException>(() => teacher.CopyFrom(smaller));
        Assert.Contains("model.layers.0.self_attn.q_proj", error.Message);
    }

    [Fact]
    public void ParametersAreViewsOfOneFlatBufferOfTheirOwn()
    {
        using var model = new TinyAdaptableModel();
        using var adapter = LoraAdapter.Create(model, seed: 1);
        using var clone = adapter.Clone();
        Assert.Equal(adapter.Parameters.Sum(p => p.numel()), adapter.Values.numel());

        using (no_grad()) adapter.Values.fill_(0.25f);
        Assert.All(adapter.Parameters, p => Assert.Equal(0.25f, p.max().item<float>()));
        Assert.All(clone.Parameters, p => Assert.NotEqual(0.25f, p.max().item<float>()));

        var last = adapter.Parameters[^1];
        using (no_grad()) last.fill_(-1f);
        Assert.Equal(-1f, adapter.Values[-1].item<float>());
        Assert.Equal(0.25f, adapter.Values[0].item<float>());
    }

    [Fact]
    public void UpdateEmaMovesTheTeacherByExactlyTheRate()
    {
        using var model = new TinyAdaptableModel();
        using var student = LoraAdapter.Create(model, seed: 1);
        using var teacher = LoraAdapter.Create(model, seed: 2);
        Randomize(student, 41);
        Randomize(teacher, 42);
        const double rate = 0.05;
        var before = teacher.Parameters.Select(p => p.to(ScalarType.Float64)).ToList();

        teacher.UpdateEma(student, rate);

        foreach (var ((updated, old), target) in teacher.Parameters.Zip(before).Zip(student.Parameters))
        {
            using var moved = updated.to(ScalarType.Float64).sub(old);
            using var expected = target.to(ScalarType.Float64).sub(old).mul(rate);
            Assert.True(moved.allclose(expected, rtol: 0, atol: 1e-7), "teacher did not move by r(θ_S − θ_T)");
            Assert.False(Bits.Same(updated, old.to(ScalarType.Float32)));
        }
        Assert.Throws<AdapterException>(() => teacher.UpdateEma(student, 1.5));
    }

    [Fact]
    public void AdapterTensorsSurviveTheDisposeScopeTheyWereMadeIn()
    {
        using var model = new TinyAdaptableModel();
        LoraAdapter adapter, clone;
        using (NewDisposeScope())
        {
            adapter = LoraAdapter.Create(model, seed: 1);
            clone = adapter.Clone();
        }
        using (adapter)
        using (clone)
        {
            Assert.All(adapter.Parameters.Concat(clone.Parameters), p => Assert.False(p.IsInvalid));
            Assert.True(Bits.Same(adapter.Parameters[0], clone.Parameters[0]));
        }
        Assert.True(adapter.Parameters[0].IsInvalid);
    }

    [Fact]
    public void DisposingAnAttachedAdapterDetachesIt()
    {
        using var model = new TinyAdaptableModel();
        var adapter = LoraAdapter.Create(model);
        adapter.Attach(model);
        adapter.Dispose();
        Assert.All(model.named_modules().Select(m => m.module).OfType<AdaptableLinear>(), layer => Assert.Null(layer.Lora));
        Assert.Throws<ObjectDisposedException>(() => adapter.Attach(model));
    }

    [Fact]
    public void Bfloat16BaseModelKeepsFloat32AdapterAndBfloat16Output()
    {
        using var model = new TinyAdaptableModel(dtype: ScalarType.BFloat16);
        using var input = model.Input();
        using var baseOutput = model.forward(input);
        using var adapter = LoraAdapter.Create(model, seed: 1);
        Assert.All(adapter.Parameters, p => Assert.Equal(ScalarType.Float32, p.dtype));

        using (adapter.Attach(model))
        using (NewDisposeScope())
        {
            var output = model.forward(input);
            Assert.Equal(ScalarType.BFloat16, output.dtype);
            Assert.True(Bits.Same(output, baseOutput));
            output.to(ScalarType.Float32).square().mean().backward();
            Assert.All(adapter.Layers.Values, pair => Assert.Equal(ScalarType.Float32, pair.B.grad!.dtype));
            Assert.All(model.parameters(), p => Assert.Null(p.grad));
            Randomize(adapter, 51);
            Assert.False(Bits.Same(model.forward(input), baseOutput));
        }
        using var restored = model.forward(input);
        Assert.True(Bits.Same(restored, baseOutput));
    }

    [Fact]
    public void DropoutActsOnlyInTrainingMode()
    {
        using var model = new TinyAdaptableModel();
        using var input = model.Input();
        using var adapter = LoraAdapter.Create(model, new LoraOptions { Dropout = 0.5 }, seed: 1);
        Randomize(adapter, 61);
        using var attachment = adapter.Attach(model);
        model.eval();
        using var first = model.forward(input);
        using var second = model.forward(input);
        Assert.True(Bits.Same(first, second));
        model.train();
        using var dropped = model.forward(input);
        Assert.False(Bits.Same(dropped, first));
        model.eval();
    }

    /// <summary>Gives every A and B random values, as training would, so the update is visible.</summary>
    internal static void Randomize(LoraAdapter adapter, long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var parameter in adapter.Parameters)
        {
            using var values = randn(parameter.shape, ScalarType.Float32, generator: generator).mul_(0.2);
            parameter.copy_(values);
        }
    }
}
