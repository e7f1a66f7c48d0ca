using TorchSharp;

namespace Sdpo.Engine.Lora;

/// <summary>
/// Finds a model's <see cref="AdaptableLinear"/> layers by Hugging Face module path, depth first in registration
/// order as PyTorch's named_modules does; a module reachable by two paths counts once, under the first. Every
/// adapter orders its layers (and so its parameters and optimizer state) this way. (TorchSharp's own
/// named_modules lists each level's children before their subtrees and repeats shared modules.)
/// </summary>
internal static class AdaptableLayers
{
    public static IReadOnlyList<(string Path, AdaptableLinear Layer)> All(torch.nn.Module model)
    {
        var layers = new List<(string, AdaptableLinear)>();
        var seen = new HashSet<torch.nn.Module>(ReferenceEqualityComparer.Instance);
        Walk(model, "", layers, seen);
        return layers;
    }

    private static void Walk(torch.nn.Module module, string path, List<(string, AdaptableLinear)> layers, HashSet<torch.nn.Module> seen)
    {
        if (!seen.Add(module)) return;
        if (module is AdaptableLinear linear) layers.Add((path, linear));
        foreach (var (name, child) in module.named_children())
            Walk(child, path.Length == 0 ? name : $"{path}.{name}", layers, seen);
    }

    public static IReadOnlyList<(string Path, AdaptableLinear Layer)> Targeted(torch.nn.Module model, LoraOptions options) =>
        All(model).Where(entry => options.Targets(entry.Path)).ToList();
}
