namespace Sdpo.Service.Engines;

/// <summary>A configured model as clients see it.</summary>
public sealed record ModelInfo(string Name, string Device, string Dtype, string Path, bool IsDefault);
