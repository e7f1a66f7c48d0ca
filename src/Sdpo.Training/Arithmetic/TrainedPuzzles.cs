using System.Text.Json;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// The puzzles a model's last training run sampled for its policy-gradient term, replayed from the options and step
/// count in its <c>training_log.json</c> (the draws are a pure function of the seed and step). The eval skips them, so
/// its puzzles stay ones the model was never rewarded on. Puzzles are the same when their numbers (in any order) and
/// target are. Empty for a model whose last run had no policy-gradient term, or that has no log of this trainer's.
/// </summary>
public static class TrainedPuzzles
{
    public static IReadOnlySet<string> PolicyGradientPuzzlesOf(string modelFolder)
    {
        string path = Path.Combine(modelFolder, ArithmeticPretrainer.LogFileName);
        var keys = new HashSet<string>();
        if (!File.Exists(path)) return keys;
        using var log = JsonDocument.Parse(File.ReadAllText(path));
        // A log that another trainer wrote (or a stub) says nothing of policy-gradient draws.
        if (!log.RootElement.TryGetProperty("options", out var optionsJson) || !log.RootElement.TryGetProperty("steps", out var stepsJson)) return keys;
        var options = optionsJson.Deserialize<PretrainOptions>() ?? throw new InvalidDataException($"{path} has no training options.");
        if (options.PolicyGradientPuzzles <= 0) return keys;
        int steps = stepsJson.GetInt32();
        // A log written before the eval slice existed has no LeaveOutEvalSlice, and that run drew from the whole space.
        bool sliceLeftOut = optionsJson.GetProperty(nameof(PretrainOptions.PolicyGradientCurriculum))
            .TryGetProperty(nameof(CurriculumOptions.LeaveOutEvalSlice), out var leftOut) && leftOut.GetBoolean();
        var curriculum = new ArithmeticCurriculum(options.PolicyGradientCurriculum with { LeaveOutEvalSlice = sliceLeftOut });
        for (int step = 0; step < steps; step++)
            foreach (var puzzle in PolicyGradientExamples.DrawPuzzles(curriculum, options.PolicyGradientPuzzles, new Random(PolicyGradientSeed(options.Seed, step))))
                keys.Add(Key(puzzle));
        return keys;
    }

    /// <summary>
    /// <paramref name="count"/> draws from the pretraining curriculum's puzzles (a stream of their own, not any run's),
    /// to measure how much of an eval tier the training distribution covers: where the space of puzzles is small, as
    /// the easy tier's is, a run of ~100,000 examples draws most of its puzzles by chance.
    /// </summary>
    public static IReadOnlySet<string> CurriculumSample(CurriculumOptions options, int count, int seed = 1)
    {
        var curriculum = new ArithmeticCurriculum(options);
        var random = new Random(TrainingSeeds.Derive(seed, 0, "coverage"));
        var keys = new HashSet<string>();
        for (int i = 0; i < count; i++) keys.Add(Key(curriculum.Puzzle(random).Puzzle));
        return keys;
    }

    /// <summary>Whether every stage that made the model left the <see cref="EvalSlice"/> out of its data, as its
    /// <c>training_log.json</c> says; false for models trained before the slice existed, or without a log.</summary>
    public static bool EvalSliceLeftOutBy(string modelFolder)
    {
        string path = Path.Combine(modelFolder, ArithmeticPretrainer.LogFileName);
        if (!File.Exists(path)) return false;
        using var log = JsonDocument.Parse(File.ReadAllText(path));
        return log.RootElement.TryGetProperty(EvalSliceLeftOutProperty, out var value) && value.ValueKind == JsonValueKind.True;
    }

    public const string EvalSliceLeftOutProperty = "evalSliceLeftOut";

    public static int PolicyGradientSeed(int seed, int step) => TrainingSeeds.Derive(seed, step, "policy");

    public static string Key(ArithmeticPuzzle puzzle) => $"{string.Join(' ', puzzle.Numbers.Order())} -> {puzzle.Target}";
}
