using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sdpo.Contracts;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Engines;
using Sdpo.Service.Gate;
using Sdpo.Service.Persistence;
using Sdpo.Service.Problems;

namespace Sdpo.Service.Benchmarks;

/// <summary>
/// Issue 8's gate on a benchmark's own problems, once its runs have ended: each problem's distinct failures with
/// feedback from its runs' first steps (plain samples of the question, whatever the method) are scored by
/// <see cref="TeacherAdvantageMeter"/> against the passing answer nearest to them where the verifier can solve the
/// problem, else against the first answer a run discovered. A problem with nothing to measure gets a note instead.
/// </summary>
public sealed class BenchmarkGate(IProblemResolver problems, TeacherAdvantageMeter meter)
{
    /// <summary>Failures measured per problem.</summary>
    public const int CasesPerProblem = 8;

    public async Task<BenchmarkTeacherAdvantage> MeasureAsync(SdpoDbContext db, BenchmarkEntity benchmark, BenchmarkRequest request,
        IReadOnlyList<BenchmarkRunEntity> rows, ModelInfo model, IDiscoveryEngine engine, CancellationToken cancellationToken)
    {
        var perProblem = new List<BenchmarkProblemAdvantage>();
        var nats = new List<double>();
        foreach (var problem in benchmark.Problems.Where(p => p.Selected == true).OrderBy(p => p.Index))
        {
            var (cases, note) = await CasesAsync(db, problem, request, rows, cancellationToken);
            if (cases is null)
            {
                perProblem.Add(new BenchmarkProblemAdvantage(problem.Index, problem.Label, null, 0, note));
                continue;
            }
            try
            {
                var report = await meter.MeasureAsync(new TeacherAdvantageSubmission(model, engine, cases.Constrained, cases.Cases), cancellationToken);
                perProblem.Add(new BenchmarkProblemAdvantage(problem.Index, problem.Label, report.MeanNats, report.Cases.Count, null));
                nats.AddRange(report.Cases.Select(c => c.Nats));
            }
            catch (RequestFieldException ex)
            {
                perProblem.Add(new BenchmarkProblemAdvantage(problem.Index, problem.Label, null, 0, ex.Message));
            }
        }
        return new BenchmarkTeacherAdvantage(nats.Count == 0 ? null : nats.Average(), nats.Count == 0 ? null : nats.Count(n => n > 0) / (double)nats.Count,
            nats.Count, perProblem);
    }

    private sealed record ProblemCases(IReadOnlyList<TeacherAdvantageCaseSpec> Cases, bool Constrained);

    private async Task<(ProblemCases? Cases, string? Note)> CasesAsync(SdpoDbContext db, BenchmarkProblemEntity problem, BenchmarkRequest request,
        IReadOnlyList<BenchmarkRunEntity> rows, CancellationToken cancellationToken)
    {
        ResolvedProblem resolved;
        try
        {
            resolved = await problems.ResolveAsync(JsonDocument.Parse(problem.SpecJson).RootElement, cancellationToken);
        }
        catch (ProblemSpecException ex)
        {
            return (null, $"The problem no longer resolves: {ex.Message}");
        }
        var runOrder = rows.Where(r => r.Purpose == BenchmarkRunEntity.MainPurpose && r.ProblemIndex == problem.Index && r.RunId is not null)
            .OrderBy(r => r.Order).Select((r, order) => (r.RunId!.Value, order)).ToDictionary(x => x.Value, x => x.order);
        var runIds = runOrder.Keys.ToList();
        var attempts = (await db.Attempts.AsNoTracking().Where(a => runIds.Contains(a.RunId)).ToListAsync(cancellationToken))
            .OrderBy(a => runOrder[a.RunId]).ThenBy(a => a.Index).ToList();
        var failures = attempts.Where(a => a.Step == 0 && !a.Passed && !string.IsNullOrWhiteSpace(a.Feedback))
            .Select(a => a.Text).Distinct(StringComparer.Ordinal).Take(CasesPerProblem).ToList();
        if (failures.Count == 0) return (null, "No failure with feedback in the runs' first steps.");

        var solving = resolved.Verifier is ISolvingVerifier;
        var known = attempts.FirstOrDefault(a => a.Passed)?.Text;
        if (!solving && known is null) return (null, "No passing answer is known: no run discovered one, and the verifier cannot find one.");
        var cases = failures.Select((failure, i) =>
            new TeacherAdvantageCaseSpec($"problems[{problem.Index}].failures[{i}]", resolved, solving ? null : known, failure, null)).ToList();
        return (new ProblemCases(cases, request.Sampling?.Constrained == true && resolved.Verifier is IGrammarVerifier), null);
    }
}
