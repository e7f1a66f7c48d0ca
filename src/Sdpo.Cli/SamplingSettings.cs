using Sdpo.Engine.Discovery;

namespace Sdpo.Cli;

/// <summary>The sampling flags that solve and bench share.</summary>
public interface ISamplingSettings
{
    double Temperature { get; }
    bool Constrained { get; }
    bool Distinct { get; }
    bool DistinctEquivalent { get; }
}

public static class SamplingSettings
{
    /// <summary>The request's sampling: --distinct-equivalent implies --distinct.</summary>
    public static AttemptSampling ToSampling(this ISamplingSettings settings) =>
        new(Temperature: settings.Temperature, Constrained: settings.Constrained,
            DistinctAttempts: settings.Distinct || settings.DistinctEquivalent, DistinctEquivalence: settings.DistinctEquivalent);
}
