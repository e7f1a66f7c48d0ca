using static TorchSharp.torch;

namespace Sdpo.Engine.Lora;

/// <summary>
/// The merged weight copies of one <see cref="LoraAdapter.MergeForInference"/> call, lent to the adapter's
/// layers. Disposing gives the layers back their adapter branch and frees the copies; safe to dispose twice.
/// </summary>
public sealed class MergedWeights : IDisposable
{
    private readonly LoraAdapter _adapter;
    private List<(AdaptableLinear Host, Tensor Weight)>? _copies;

    internal MergedWeights(LoraAdapter adapter, List<(AdaptableLinear Host, Tensor Weight)> copies)
    {
        _adapter = adapter;
        _copies = copies;
    }

    public void Dispose()
    {
        if (_copies is null) return;
        foreach (var (host, weight) in _copies)
        {
            if (ReferenceEquals(host.MergedWeight, weight)) host.MergedWeight = null;
            weight.Dispose();
        }
        _copies = null;
        _adapter.Unmerge(this);
    }
}
