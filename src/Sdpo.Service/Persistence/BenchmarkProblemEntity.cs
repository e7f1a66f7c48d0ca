namespace Sdpo.Service.Persistence;

/// <summary>One candidate problem of a benchmark, with the outcome of hard-problem selection when it was asked for.</summary>
public sealed class BenchmarkProblemEntity
{
    public Guid BenchmarkId { get; set; }
    /// <summary>0-based position in the submitted problem list (or suite).</summary>
    public int Index { get; set; }
    /// <summary>The problem spec exactly as /solve accepts it.</summary>
    public string SpecJson { get; set; } = "";
    public string Label { get; set; } = "";
    /// <summary>Null while selection is pending; true for every problem when no selection was asked for.</summary>
    public bool? Selected { get; set; }
    public int ScreenedSamples { get; set; }
    public int ScreenedPasses { get; set; }
    public double? BasePassAtK { get; set; }
    /// <summary>Why selection could not judge the problem (a sampling run failed), if so.</summary>
    public string? ScreeningNote { get; set; }
}
