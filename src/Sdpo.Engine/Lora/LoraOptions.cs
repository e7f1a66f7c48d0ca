namespace Sdpo.Engine.Lora;

/// <summary>
/// Shape of a LoRA adapter, with PEFT's meanings: rank r, lora_alpha, the target module names (matched against
/// the last segment of a module path), layers_to_transform and lora_dropout. The update is scaled by alpha / rank.
/// </summary>
public sealed record LoraOptions
{
    public static readonly IReadOnlyList<string> DefaultTargetModules =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 16;
    public IReadOnlyList<string> TargetModules { get; init; } = DefaultTargetModules;

    /// <summary>Dropout on the LoRA branch's input while the layer is in training mode (PEFT's lora_dropout).</summary>
    public double Dropout { get; init; }

    /// <summary>The decoder layers (indices of <c>layers.N</c> in module paths) whose target modules are adapted, as
    /// PEFT's layers_to_transform; null adapts every layer.</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }

    public double Scaling => Alpha / Rank;

    /// <summary>Throws <see cref="AdapterException"/> naming the first field out of range.</summary>
    public LoraOptions Validate()
    {
        if (Rank < 1) throw new AdapterException($"LoRA rank must be at least 1 (got {Rank}).");
        if (!double.IsFinite(Alpha) || Alpha <= 0) throw new AdapterException($"LoRA alpha must be a positive number (got {Alpha}).");
        if (!(Dropout >= 0 && Dropout < 1)) throw new AdapterException($"LoRA dropout must be in [0, 1) (got {Dropout}).");
        if (TargetModules.Count == 0) throw new AdapterException("LoRA target modules are empty.");
        foreach (var name in TargetModules)
            if (string.IsNullOrWhiteSpace(name) || name.Contains('.'))
                throw new AdapterException($"LoRA target module '{name}' must be a single module name such as q_proj.");
        if (LayersToTransform is { } layers)
        {
            if (layers.Count == 0) throw new AdapterException("LoRA layers_to_transform is empty: leave it null to adapt every layer.");
            if (layers.Any(layer => layer < 0))
                throw new AdapterException($"LoRA layers_to_transform holds {layers.First(layer => layer < 0)}; layer indices start at 0.");
            if (layers.Distinct().Count() != layers.Count) throw new AdapterException("LoRA layers_to_transform names a layer twice.");
        }
        return this;
    }

    public bool Targets(string modulePath) =>
        TargetModules.Contains(LastSegment(modulePath), StringComparer.Ordinal)
        && (LayersToTransform is null || LayerIndex(modulePath) is { } layer && LayersToTransform.Contains(layer));

    /// <summary>N of the <c>layers.N</c> segment pair of a module path (as in model.layers.3.mlp.up_proj), or null.</summary>
    public static int? LayerIndex(string modulePath)
    {
        var segments = modulePath.Split('.');
        for (var i = 0; i + 1 < segments.Length; i++)
            if (segments[i] == "layers" && int.TryParse(segments[i + 1], System.Globalization.NumberStyles.None, null, out var index))
                return index;
        return null;
    }

    private static string LastSegment(string modulePath) => modulePath[(modulePath.LastIndexOf('.') + 1)..];

    public bool Equals(LoraOptions? other) =>
        other is not null && Rank == other.Rank && Alpha.Equals(other.Alpha) && Dropout.Equals(other.Dropout)
        && TargetModules.SequenceEqual(other.TargetModules, StringComparer.Ordinal)
        && (LayersToTransform is null ? other.LayersToTransform is null
            : other.LayersToTransform is not null && LayersToTransform.SequenceEqual(other.LayersToTransform));

    public override int GetHashCode() => HashCode.Combine(Rank, Alpha, Dropout, TargetModules.Count, LayersToTransform?.Count);
}
