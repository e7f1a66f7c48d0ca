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
/// is known once it is loaded.</summary>
public sealed record ModelAvailability(ModelState State, string? Reason = null, int? ContextLength = null);
