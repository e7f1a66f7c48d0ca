using System.Collections.Concurrent;
using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.TestSupport;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>Python Programming Puzzles: reference solutions pass, wrong answers fail.</summary>
public class P3ConformanceTests
{
    private const string DataPath = "problems/p3/puzzles.json";

    private sealed record Puzzle(string Name, string Sat, string AnswerType, string SolHeader, string SolBody);

    [SharedDataFact(DataPath)]
    public async Task AHundredReferenceSolutionsPass()
    {
        var puzzles = Load().Take(100).ToList();
        Assert.Equal(100, puzzles.Count);
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(puzzles, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (puzzle, token) =>
        {
            var verifier = new P3Verifier(new P3Spec(puzzle.Sat, puzzle.AnswerType, TimeoutSeconds: 20), Sandboxes.AsTheServiceRunsIt);
            var verdict = await verifier.VerifyAsync(Sandboxes.AttemptOf($"{puzzle.SolHeader}\n{puzzle.SolBody}"), token);
            if (!verdict.Passed) failures.Add($"{puzzle.Name}: {verdict.Status} {verdict.Feedback}");
        });
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }

    [SharedDataFact(DataPath)]
    public async Task WrongAnswersFail()
    {
        var puzzle = Load().First(p => p.Name == "Study_1:0"); // a string with 1000 'o's and no "oo"
        var verifier = new P3Verifier(new P3Spec(puzzle.Sat, puzzle.AnswerType), Sandboxes.AsTheServiceRunsIt);

        var wrongValue = await verifier.VerifyAsync(Sandboxes.AttemptOf("'o' * 1000"));
        Assert.Equal(VerdictStatus.Wrong, wrongValue.Status);
        Assert.Contains("returned False", wrongValue.Feedback);

        var wrongType = await verifier.VerifyAsync(Sandboxes.AttemptOf("[1, 2, 3]"));
        Assert.Equal(VerdictStatus.Wrong, wrongType.Status);
        Assert.Contains("sat expects str", wrongType.Feedback);

        var expression = await verifier.VerifyAsync(Sandboxes.AttemptOf("'ho' * 1000"));
        Assert.True(expression.Passed, expression.Feedback);

        var notPython = await verifier.VerifyAsync(Sandboxes.AttemptOf("the answer is a string of o's"));
        Assert.Equal(VerdictStatus.CompileError, notPython.Status);
    }

    private static IEnumerable<Puzzle> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.Require(DataPath)));
        var puzzles = new List<Puzzle>();
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var bodies = row.GetProperty("sol_bodies");
            if (bodies.GetArrayLength() == 0) continue;
            puzzles.Add(new Puzzle(row.GetProperty("name").GetString()!, row.GetProperty("sat").GetString()!,
                row.GetProperty("ans_type").GetString()!, row.GetProperty("sol_header").GetString()!, bodies[0].GetString()!));
        }
        return puzzles;
    }
}
