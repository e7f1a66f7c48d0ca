namespace Sdpo.Engine.Lora;

/// <summary>The scope of one <see cref="LoraAdapter.Attach"/>: disposing it detaches the adapter again, so
/// <c>using (adapter.Attach(model)) { ... }</c> cannot leave the shared base model adapted by accident.</summary>
public sealed class AdapterAttachment : IDisposable
{
    internal AdapterAttachment(LoraAdapter adapter) => Adapter = adapter;

    public LoraAdapter Adapter { get; }

    public void Dispose() => Adapter.Detach(this);
}
