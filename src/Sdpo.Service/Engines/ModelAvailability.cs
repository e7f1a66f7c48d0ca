using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Engines;

/// <summary>Where a configured model is in its life: not loaded yet, loading, ready, or failed to load.</summary>
public enum ModelState
{
    Unloaded,
    Loading,
    Loaded,
    Failed,
}

/// <summary>A model's state; <see cref="Reason"/> says why a failed model cannot be used, <see cref="ContextLength"/>
/// and <see cref="SdpoDefaults"/> (the SDPO options of a request that sets none) are known once it is loaded;
/// <see cref="Retrying"/>: loading again after a failed load, so not known to be usable.</summary>
public sealed record ModelAvailability(ModelState State, string? Reason = null, int? ContextLength = null, SdpoOptions? SdpoDefaults = null,
    bool Retrying = false);
