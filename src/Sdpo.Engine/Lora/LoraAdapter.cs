using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// A set of LoRA updates, one <see cref="LoraPair"/> per targeted <see cref="AdaptableLinear"/> of a base model,
/// keyed by Hugging Face module path. Many adapters can share one base model; at most one is attached to it at a
/// time. Parameters are float32 on the base layer's device whatever the base dtype, and are owned by the
/// adapter: they live outside every dispose scope until <see cref="Dispose"/>. Not thread-safe: like every
/// tensor, an adapter belongs to its device's torch thread.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    private readonly IReadOnlyList<(string Path, LoraPair Pair)> _layers;
    private List<AdaptableLinear>? _hosts;
    private AdapterAttachment? _attachment;
    private MergedWeights? _merged;
    private bool _disposed;

    /// <summary>Largest total size of the merged weight copies that <see cref="MergeForInference"/> makes by default.</summary>
    public const long DefaultMergeBudgetBytes = 256L * 1024 * 1024;

    /// <summary>Takes ownership of <paramref name="layers"/>' tensors: their values move into one flat buffer, which
    /// the parameters then view, and the given tensors are disposed.</summary>
    private LoraAdapter(LoraOptions options, IReadOnlyList<(string Path, LoraPair Pair)> layers)
    {
        Options = options;
        (Values, _layers) = Flatten(layers);
        ModulePaths = _layers.Select(layer => layer.Path).ToList();
        Layers = _layers.ToDictionary(layer => layer.Path, layer => layer.Pair, StringComparer.Ordinal);
        Parameters = _layers.SelectMany(layer => new[] { layer.Pair.A, layer.Pair.B }).ToList();
    }

    public LoraOptions Options { get; }

    /// <summary>Module paths of the adapted layers, in the base model's walk order.</summary>
    public IReadOnlyList<string> ModulePaths { get; }

    public IReadOnlyDictionary<string, LoraPair> Layers { get; }

    /// <summary>Trainable tensors in a fixed order (A then B per layer, layers in <see cref="ModulePaths"/> order):
    /// the order an optimizer's saved state refers to.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Every parameter's values in one flat float32 tensor, in <see cref="Parameters"/> order; each parameter
    /// is a view of its slice. An update of the whole adapter (an optimizer step, the EMA) is then a few tensor
    /// operations rather than a few per parameter, which on small models is most of its cost.</summary>
    public Tensor Values { get; }

    public bool IsAttached => _attachment is not null;

    /// <summary>
    /// A new adapter over every <see cref="AdaptableLinear"/> of <paramref name="baseModel"/> whose last path
    /// segment is a target: A drawn as PEFT does (kaiming_uniform, a = sqrt(5)) from a generator seeded with
    /// <paramref name="seed"/>, B zero, so the fresh adapter leaves the model's output unchanged.
    /// </summary>
    public static LoraAdapter Create(nn.Module baseModel, LoraOptions? options = null, long seed = 0)
    {
        options = (options ?? new LoraOptions()).Validate();
        var targets = AdaptableLayers.Targeted(baseModel, options);
        if (targets.Count == 0)
            throw new AdapterException(
                $"No LoRA target found: the model has no AdaptableLinear layer named {string.Join(", ", options.TargetModules)}"
                + (options.LayersToTransform is { } chosen ? $" in layers {string.Join(", ", chosen)}." : "."));
        if (options.LayersToTransform is { } requested)
        {
            var adapted = targets.Select(t => LoraOptions.LayerIndex(t.Path)).ToHashSet();
            var missing = requested.Where(layer => !adapted.Contains(layer)).ToList();
            if (missing.Count > 0)
                throw new AdapterException($"LoRA layers_to_transform names layer {string.Join(", ", missing)}, which has no target module in this model "
                    + $"(its decoder layers are 0 to {AdaptableLayers.All(baseModel).Max(t => LoraOptions.LayerIndex(t.Path) ?? -1)}).");
        }

        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var layers = new List<(string, LoraPair)>();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (path, layer) in targets)
            {
                var device = layer.Weight.device;
                var bound = KaimingUniformBound(layer.InFeatures);
                var a = empty(options.Rank, layer.InFeatures, ScalarType.Float32).uniform_(-bound, bound, generator);
                var b = zeros(layer.OutFeatures, options.Rank, ScalarType.Float32);
                layers.Add((path, new LoraPair(OwnedParameter(a.to(device)), OwnedParameter(b.to(device)), options.Scaling, options.Dropout)));
            }
        }
        catch
        {
            DisposePairs(layers);
            throw;
        }
        return new LoraAdapter(options, layers);
    }

    /// <summary>Builds an adapter from tensors already checked against a base model (import). Takes ownership.</summary>
    internal static LoraAdapter FromTensors(LoraOptions options, IReadOnlyList<(string Path, Tensor A, Tensor B)> layers)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pairs = layers
            .Select(layer => (layer.Path, new LoraPair(OwnedParameter(layer.A), OwnedParameter(layer.B), options.Scaling, options.Dropout)))
            .ToList();
        return new LoraAdapter(options, pairs);
    }

    /// <summary>
    /// Lends this adapter's updates to the layers of <paramref name="model"/> with the same module paths. Fails,
    /// changing nothing, when this adapter is attached already, when any layer of the model carries another
    /// adapter, or when a layer is missing, differs in shape or lives on another device.
    /// </summary>
    public AdapterAttachment Attach(nn.Module model)
    {
        ThrowIfDisposed();
        if (_attachment is not null)
            throw new AdapterException("This adapter is already attached; detach it before attaching it again.");

        var modelLayers = AdaptableLayers.All(model);
        foreach (var (path, layer) in modelLayers)
            if (layer.Lora is not null)
                throw new AdapterException(
                    $"Cannot attach: layer '{path}' already carries another adapter. Only one adapter can be attached to a base model at a time; detach the other first.");

        var byPath = modelLayers.ToDictionary(entry => entry.Path, entry => entry.Layer, StringComparer.Ordinal);
        var hosts = new List<AdaptableLinear>(_layers.Count);
        foreach (var (path, pair) in _layers)
        {
            if (!byPath.TryGetValue(path, out var layer))
                throw new AdapterException($"Cannot attach: the model has no adaptable layer '{path}'.");
            if (layer.InFeatures != pair.InFeatures || layer.OutFeatures != pair.OutFeatures)
                throw new AdapterException(
                    $"Cannot attach: layer '{path}' maps {layer.InFeatures} -> {layer.OutFeatures} features in the model but the adapter was made for {pair.InFeatures} -> {pair.OutFeatures}.");
            if (!SameDevice(layer.Weight.device, pair.A.device))
                throw new AdapterException(
                    $"Cannot attach: layer '{path}' is on {layer.Weight.device} but the adapter is on {pair.A.device}.");
            hosts.Add(layer);
        }

        for (var i = 0; i < hosts.Count; i++) hosts[i].Lora = _layers[i].Pair;
        _hosts = hosts;
        return _attachment = new AdapterAttachment(this);
    }

    /// <summary>
    /// For no-grad passes (sampling, a stop-gradient teacher): precomputes W + scaling·B·A for every layer this
    /// attached adapter covers, until the returned scope is disposed or the adapter detached. On small models the
    /// adapter's two extra matmuls per layer cost about as much as the layer itself, and decoding runs them once
    /// per token. Returns null, merging nothing, when the copies would take more than <paramref name="maxBytes"/>
    /// (large models, where the branch is cheap next to the base matmul). The adapter's values must not change
    /// while merged; passes with grad enabled ignore the copies.
    /// </summary>
    public MergedWeights? MergeForInference(long maxBytes = DefaultMergeBudgetBytes)
    {
        ThrowIfDisposed();
        if (_hosts is null) throw new AdapterException("Only an attached adapter can be merged; attach it first.");
        if (_merged is not null) throw new AdapterException("This adapter is already merged; dispose that merge first.");
        var bytes = _hosts.Sum(host => host.Weight.numel() * host.Weight.element_size());
        if (bytes > maxBytes) return null;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var copies = new List<(AdaptableLinear Host, Tensor Weight)>(_hosts.Count);
        for (var i = 0; i < _hosts.Count; i++)
        {
            var (host, pair) = (_hosts[i], _layers[i].Pair);
            // One fused op and one allocation: W + scaling·(B·A), in float32 for half-precision weights.
            var merged = host.Weight.dtype == ScalarType.Float32
                ? host.Weight.addmm(pair.B, pair.A, 1, (float)pair.Scaling)
                : host.Weight.to(ScalarType.Float32).addmm_(pair.B, pair.A, 1, (float)pair.Scaling).to(host.Weight.dtype);
            merged.DetachFromDisposeScope();
            host.MergedWeight = merged;
            copies.Add((host, merged));
        }
        return _merged = new MergedWeights(this, copies);
    }

    internal void Unmerge(MergedWeights merged)
    {
        if (ReferenceEquals(_merged, merged)) _merged = null;
    }

    /// <summary>Gives the base model back its plain layers. Does nothing when not attached.</summary>
    public void Detach()
    {
        _merged?.Dispose();
        if (_hosts is not null)
            for (var i = 0; i < _hosts.Count; i++)
                if (ReferenceEquals(_hosts[i].Lora, _layers[i].Pair)) _hosts[i].Lora = null;
        _hosts = null;
        _attachment = null;
    }

    internal void Detach(AdapterAttachment attachment)
    {
        // A stale scope (already detached, maybe re-attached since) must not detach the newer attachment.
        if (ReferenceEquals(_attachment, attachment)) Detach();
    }

    /// <summary>A deep copy with its own parameters (for an EMA teacher); not attached.</summary>
    public LoraAdapter Clone()
    {
        ThrowIfDisposed();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var layers = _layers
            .Select(layer => (layer.Path, new LoraPair(
                OwnedParameter(layer.Pair.A.detach().clone()),
                OwnedParameter(layer.Pair.B.detach().clone()),
                layer.Pair.Scaling, layer.Pair.Dropout)))
            .ToList();
        return new LoraAdapter(Options, layers);
    }

    /// <summary>Overwrites this adapter's values with <paramref name="other"/>'s (same layers and shapes).</summary>
    public void CopyFrom(LoraAdapter other)
    {
        RequireSameLayout(other, "copy from");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Values.copy_(other.Values);
    }

    /// <summary>Exponential moving average towards <paramref name="student"/>: θ ← (1 − r)·θ + r·θ_student.</summary>
    public void UpdateEma(LoraAdapter student, double rate)
    {
        if (!(rate >= 0 && rate <= 1)) throw new AdapterException($"EMA rate must be in [0, 1] (got {rate}).");
        RequireSameLayout(student, "update the EMA from");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Values.mul_(1 - rate).add_(student.Values, rate);
    }

    public void Dispose()
    {
        if (_disposed) return;
        Detach();
        DisposePairs(_layers);
        Values.Dispose();
        _disposed = true;
    }

    /// <summary>Copies the pairs' values into one new flat buffer and returns pairs whose A and B view it, disposing
    /// the given tensors.</summary>
    private static (Tensor Values, IReadOnlyList<(string Path, LoraPair Pair)> Layers) Flatten(IReadOnlyList<(string Path, LoraPair Pair)> layers)
    {
        Tensor? values = null;
        var slices = new List<Parameter>();
        try
        {
            var devices = layers.SelectMany(layer => new[] { layer.Pair.A.device, layer.Pair.B.device })
                .Select(device => device.ToString()).Distinct().ToList();
            if (devices.Count > 1) throw new AdapterException($"An adapter's tensors must share one device; these are on {string.Join(", ", devices)}.");
            var total = layers.Sum(layer => layer.Pair.A.numel() + layer.Pair.B.numel());
            values = empty(total, ScalarType.Float32, layers.Count > 0 ? layers[0].Pair.A.device : CPU);
            values.DetachFromDisposeScope();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long offset = 0;
            Parameter Slice(Tensor source)
            {
                var view = values.narrow(0, offset, source.numel()).view(source.shape);
                view.copy_(source);
                offset += source.numel();
                var parameter = OwnedParameter(view);
                slices.Add(parameter);
                return parameter;
            }
            var flattened = layers
                .Select(layer => (layer.Path, new LoraPair(Slice(layer.Pair.A), Slice(layer.Pair.B), layer.Pair.Scaling, layer.Pair.Dropout)))
                .ToList();
            return (values, flattened);
        }
        catch
        {
            foreach (var slice in slices) slice.Dispose();
            values?.Dispose();
            throw;
        }
        finally
        {
            DisposePairs(layers);
        }
    }

    private void RequireSameLayout(LoraAdapter other, string action)
    {
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        if (ReferenceEquals(other, this)) return;
        if (other._layers.Count != _layers.Count)
            throw new AdapterException($"Cannot {action} an adapter with {other._layers.Count} layers into one with {_layers.Count}.");
        for (var i = 0; i < _layers.Count; i++)
        {
            var (path, pair) = _layers[i];
            var (otherPath, otherPair) = other._layers[i];
            if (path != otherPath)
                throw new AdapterException($"Cannot {action} that adapter: its layer {i} is '{otherPath}' where this one has '{path}'.");
            if (!pair.A.shape.SequenceEqual(otherPair.A.shape) || !pair.B.shape.SequenceEqual(otherPair.B.shape))
                throw new AdapterException(
                    $"Cannot {action} that adapter: layer '{path}' has A {Shape(otherPair.A)}, B {Shape(otherPair.B)} there but A {Shape(pair.A)}, B {Shape(pair.B)} here.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // kaiming_uniform_(a = sqrt(5), mode = fan_in, nonlinearity = leaky_relu), as PEFT initialises lora_A.
    private static double KaimingUniformBound(long fanIn)
    {
        var gain = Math.Sqrt(2.0 / (1 + 5.0));
        return Math.Sqrt(3.0) * gain / Math.Sqrt(fanIn);
    }

    private static Parameter OwnedParameter(Tensor data)
    {
        var parameter = new Parameter(data, requires_grad: true);
        parameter.DetachFromDisposeScope();
        return parameter;
    }

    private static bool SameDevice(Device a, Device b) => a.type == b.type && a.index == b.index;

    private static void DisposePairs(IEnumerable<(string Path, LoraPair Pair)> layers)
    {
        foreach (var (_, pair) in layers)
        {
            pair.A.Dispose();
            pair.B.Dispose();
        }
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
