namespace Sdpo.Training.Arithmetic;

/// <summary>What the pretraining texts look like: puzzle sizes and the share of SDPO teacher-format examples.</summary>
public sealed record CurriculumOptions
{
    public int MinNumbers { get; init; } = 3;
    public int MaxNumbers { get; init; } = 5;
    /// <summary>Numbers are drawn from 1..MaxNumber, where MaxNumber is itself drawn from this list per puzzle.</summary>
    public IReadOnlyList<int> NumberRanges { get; init; } = new[] { 10, 13, 25, 50 };
    public int MaxTarget { get; init; } = 999;
    /// <summary>Share of examples in SDPO's teacher format (prompt + feedback on a failed attempt → a correct answer).</summary>
    public double TeacherShare { get; init; } = 0.4;
    /// <summary>Share of examples that evaluate an expression step by step ("Evaluate: 7*5+3" → "7*5 = 35; 35+3 = 38"):
    /// the arithmetic the puzzle examples only ever show in the context, trained as something to predict. 0 (off) keeps
    /// the data stream exactly as before.</summary>
    public double EvaluationShare { get; init; }
    /// <summary>Never draw a puzzle of the <see cref="EvalSlice"/>, so evals on it measure puzzles the model never saw.</summary>
    public bool LeaveOutEvalSlice { get; init; } = true;
}
