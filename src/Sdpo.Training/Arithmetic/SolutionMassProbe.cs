using Sdpo.Engine;
using Sdpo.Engine.Discovery;
using Sdpo.Engine.Sdpo;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Arithmetic;

/// <summary>One probed run: the student's log-probability of the puzzle's known solutions before any update, and how
/// much each SDPO step raised it (nats; one entry per update made before the run ended or found an answer).</summary>
public sealed record SolutionMassRun(ArithmeticPuzzle Puzzle, long Seed, int Solutions, double InitialLogMass, IReadOnlyList<double> Gains,
    IReadOnlyList<double> TeacherStudentLogRatios, bool Discovered);

/// <summary>Across runs, after update k: the mean gain in log solution mass, the share of runs it rose in, the runs that got that
/// far, and the runs that had found an answer before it (they stop, so the later means cover the harder runs only).</summary>
public sealed record SolutionMassStep(int Update, double MeanGain, double SharePositive, int Runs, double MeanTeacherStudentLogRatio, int FoundBefore);

/// <summary>
/// What SDPO's learning does to the probability of the right answers, measured directly: on each puzzle with known
/// solutions, an ordinary SDPO discovery run, and after each of its updates the student's log-probability of the
/// set of solutions (log Σ over the solver's distinct canonical solutions, each with its stop token) against the
/// same before any update. Best-of-k never moves it. Where teacher advantage scores one answer with and without
/// feedback, this scores the student SDPO actually trains. In docs/results.md it showed where SDPO's gain levels off
/// and flagged settings that collapse before a benchmark did, but, like teacher advantage, it did not separate two
/// models whose discovery differed.
/// </summary>
public static class SolutionMassProbe
{
    public const int DefaultMaxSolutions = 32;

    public static async Task<IReadOnlyList<SolutionMassRun>> RunAsync(LanguageModel model, IReadOnlyList<ArithmeticPuzzle> puzzles, int seeds, int updates,
        int attemptsPerStep, SdpoOptions options, IProgress<int>? progress = null, int maxSolutions = DefaultMaxSolutions,
        CancellationToken cancellationToken = default)
    {
        var runs = new List<SolutionMassRun>();
        int done = 0;
        foreach (var puzzle in puzzles)
        {
            var solutions = puzzle.Solve().DistinctSolutions.Take(maxSolutions).ToList();
            for (long seed = 1; seed <= seeds; seed++)
            {
                if (solutions.Count > 0) runs.Add(await ProbeAsync(model, puzzle, solutions, seed, updates, attemptsPerStep, options, cancellationToken));
                progress?.Report(++done);
            }
        }
        return runs;
    }

    public static IReadOnlyList<SolutionMassStep> ByUpdate(IReadOnlyList<SolutionMassRun> runs, int updates) =>
        Enumerable.Range(1, updates)
            .Select(k => (k, Reached: runs.Where(r => r.Gains.Count >= k).ToList()))
            .Where(s => s.Reached.Count > 0)
            .Select(s => new SolutionMassStep(s.k, s.Reached.Average(r => r.Gains[s.k - 1]), s.Reached.Count(r => r.Gains[s.k - 1] > 0) / (double)s.Reached.Count,
                s.Reached.Count, s.Reached.Average(r => r.TeacherStudentLogRatios[s.k - 1]), runs.Count(r => r.Discovered && r.Gains.Count < s.k)))
            .ToList();

    private static async Task<SolutionMassRun> ProbeAsync(LanguageModel model, ArithmeticPuzzle puzzle, IReadOnlyList<string> solutions, long seed,
        int updates, int attemptsPerStep, SdpoOptions options, CancellationToken cancellationToken)
    {
        var prompt = puzzle.RenderPrompt();
        var request = new DiscoveryRequest(puzzle.ToProblem(), puzzle.CreateVerifier(), DiscoveryMethod.Sdpo,
            new DiscoveryBudget(updates * attemptsPerStep, attemptsPerStep), new AttemptSampling(), options, seed);
        using var policy = await SdpoPolicy.CreateAsync(model, request, cancellationToken);
        var initial = LogSumExp(await policy.StudentLogProbsAsync(prompt, solutions, cancellationToken));
        var gains = new List<double>();
        var logRatios = new List<double>();
        var observer = new UpdateObserver(policy, async figures =>
        {
            gains.Add(LogSumExp(await policy.StudentLogProbsAsync(prompt, solutions, cancellationToken)) - initial);
            logRatios.Add(figures.MeanTeacherStudentLogRatio);
        });
        bool discovered = false;
        await foreach (var e in DiscoveryLoop.RunAsync(request, observer, cancellationToken: cancellationToken))
            discovered |= e is Discovered;
        return new SolutionMassRun(puzzle, seed, solutions.Count, initial, gains, logRatios, discovered);
    }

    private static double LogSumExp(IReadOnlyList<double> values)
    {
        var max = values.Max();
        return max + Math.Log(values.Sum(v => Math.Exp(v - max)));
    }
}
