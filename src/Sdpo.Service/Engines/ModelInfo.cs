namespace Sdpo.Service.Engines;

/// <summary>A configured model; <see cref="Path"/> is its checkpoint folder, resolved to a full path.</summary>
public sealed record ModelInfo(string Name, string Device, string Dtype, string Path, bool IsDefault);
