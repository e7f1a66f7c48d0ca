using System.Text.Json.Serialization;

namespace Sdpo.Training.Arithmetic;

/// <summary>How the embedded arithmetic model is trained: its shape, the schedule and the bookkeeping.</summary>
public sealed record PretrainOptions
{
    public required string OutputFolder { get; init; }
    public int Seed { get; init; } = 1;
    public int Steps { get; init; } = 3000;
    public int BatchSize { get; init; } = 32;
    public int HiddenSize { get; init; } = 256;
    public int Layers { get; init; } = 6;
    public int Heads { get; init; } = 8;
    public int KeyValueHeads { get; init; } = 4;
    public int IntermediateSize { get; init; } = 768;
    public int ContextLength { get; init; } = 384;
    public double LearningRate { get; init; } = 2e-3;
    public int WarmupSteps { get; init; } = 100;
    public int EvaluateEvery { get; init; } = 250;
    public int CheckpointEvery { get; init; } = 250;
    public int HeldOutPuzzles { get; init; } = 64;
    /// <summary>Stop early (saving everything) once this much wall time has passed; null: run all steps.</summary>
    public TimeSpan? MaxDuration { get; init; }
    /// <summary>Stop (saving everything) after this many steps while the learning rate still follows the schedule of
    /// <see cref="Steps"/>: a stage cut short, reproducibly, where <see cref="MaxDuration"/> depends on the machine. Null: run all steps.</summary>
    public int? StopAfterStep { get; init; }
    /// <summary>The step the run ends at: <see cref="StopAfterStep"/> within the schedule, else <see cref="Steps"/>.</summary>
    [JsonIgnore] public int LastStep => Math.Min(StopAfterStep ?? Steps, Steps);
    public CurriculumOptions Curriculum { get; init; } = new();

    /// <summary>Start from this checkpoint folder's weights and shape instead of random weights (fine-tuning).</summary>
    public string? InitFrom { get; init; }

    /// <summary>Share of each batch taken from corrections of the model's own failures (<see cref="SelfPlayExamples"/>).</summary>
    public double SelfFailureShare { get; init; }

    /// <summary>Share of each batch taken from the model's own passing answers (<see cref="SelfPlayExamples"/>).</summary>
    public double SelfSolvedShare { get; init; }

    /// <summary>Steps between refreshes of the self-play pool (sampled from the current model).</summary>
    public int SelfPlayRefreshEvery { get; init; } = 50;

    /// <summary>Fresh puzzles sampled by the current model at every step for a policy-gradient term
    /// (<see cref="PolicyGradientExamples"/>), added to the batch; 0: none.</summary>
    public int PolicyGradientPuzzles { get; init; }

    /// <summary>Samples per policy-gradient puzzle, whose mean reward is that puzzle's baseline.</summary>
    public int PolicyGradientSamples { get; init; } = 8;

    /// <summary>Share of the policy-gradient puzzles sampled in SDPO's teacher context, after the feedback on one
    /// failed attempt of the model's own, rather than after the plain prompt.</summary>
    public double PolicyGradientTeacherShare { get; init; }

    /// <summary>Where the policy-gradient puzzles come from: by default small ones (3 or 4 numbers up to 10, targets up
    /// to 100), which the model solves often enough for its samples to disagree.</summary>
    public CurriculumOptions PolicyGradientCurriculum { get; init; } = new() { MinNumbers = 3, MaxNumbers = 4, NumberRanges = new[] { 10 }, MaxTarget = 100, TeacherShare = 0 };

    /// <summary>A configuration that trains in seconds, for tests.</summary>
    public static PretrainOptions Quick(string outputFolder) => new()
    {
        OutputFolder = outputFolder,
        Steps = 30,
        BatchSize = 8,
        HiddenSize = 32,
        Layers = 2,
        Heads = 4,
        KeyValueHeads = 2,
        IntermediateSize = 64,
        WarmupSteps = 5,
        EvaluateEvery = 15,
        CheckpointEvery = 10,
        HeldOutPuzzles = 4,
    };
}
