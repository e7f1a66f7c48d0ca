namespace Sdpo.Service.Engines;

/// <summary>A configured model; <see cref="Path"/> is its checkpoint folder, resolved to a full path; <see cref="Threads"/>
/// is LibTorch's CPU threads for it (null: LibTorch's default).</summary>
public sealed record ModelInfo(string Name, string Device, string Dtype, string Path, bool IsDefault, int? Threads = null);
