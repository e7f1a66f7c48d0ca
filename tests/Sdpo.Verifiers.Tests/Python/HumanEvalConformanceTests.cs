using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.TestSupport;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>OpenAI HumanEval through the Python verifier as the service would run it: sandboxed where bubblewrap works.</summary>
public class HumanEvalConformanceTests
{
    private const string DataPath = "problems/humaneval/HumanEval.jsonl.gz";

    private sealed record HumanEvalTask(string TaskId, string Prompt, string CanonicalSolution, string Test, string EntryPoint)
    {
        public PythonVerifier Verifier() =>
            new(new PythonSpec(Test, EntryPoint, Prefix: Prompt, TimeoutSeconds: 20), Sandboxes.AsTheServiceRunsIt);
    }

    [SharedDataFact(DataPath)]
    public async Task EveryCanonicalSolutionPasses()
    {
        var tasks = Load();
        Assert.Equal(164, tasks.Count);
        var sandboxed = await Sandboxes.AsTheServiceRunsIt.UnsandboxedReasonAsync() is null;
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(tasks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (task, token) =>
        {
            var verdict = await task.Verifier().VerifyAsync(Sandboxes.AttemptOf(task.CanonicalSolution), token);
            if (!verdict.Passed || verdict.Sandboxed != sandboxed) failures.Add($"{task.TaskId}: {verdict.Status} {verdict.Feedback}");
        });
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
    }

    [SharedDataFact(DataPath)]
    public async Task BrokenSolutionsFailNamingTheFailingCheck()
    {
        var tasks = Load().Take(20).ToList();
        var problems = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(tasks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (task, token) =>
        {
            var verdict = await task.Verifier().VerifyAsync(Sandboxes.AttemptOf("    return None\n"), token);
            if (verdict.Passed || verdict.Status is not (VerdictStatus.Wrong or VerdictStatus.RuntimeError)
                || !verdict.Feedback.Contains("test line", StringComparison.Ordinal))
                problems.Add($"{task.TaskId}: {verdict.Status} {verdict.Feedback}");
        });
        Assert.True(problems.IsEmpty, string.Join("\n\n", problems));
    }

    [SharedDataFact(DataPath)]
    public async Task AFullFunctionInAMarkdownFenceIsAcceptedWithoutThePrefix()
    {
        var task = Load()[0];
        var spec = new PythonSpec(task.Test, task.EntryPoint);
        var answer = $"Sure:\n```python\n{task.Prompt}{task.CanonicalSolution}```\n";
        var verdict = await new PythonVerifier(spec, Sandboxes.AsTheServiceRunsIt).VerifyAsync(Sandboxes.AttemptOf(answer));
        Assert.True(verdict.Passed, verdict.Feedback);
    }

    private static List<HumanEvalTask> Load()
    {
        using var file = File.OpenRead(SharedData.Require(DataPath));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var tasks = new List<HumanEvalTask>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var row = JsonDocument.Parse(line).RootElement;
            tasks.Add(new HumanEvalTask(row.GetProperty("task_id").GetString()!, row.GetProperty("prompt").GetString()!,
                row.GetProperty("canonical_solution").GetString()!, row.GetProperty("test").GetString()!,
                row.GetProperty("entry_point").GetString()!));
        }
        return tasks;
    }
}
