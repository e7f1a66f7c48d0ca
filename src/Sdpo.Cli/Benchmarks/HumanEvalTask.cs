using System.IO.Compression;
using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Cli.Benchmarks;

/// <summary>One OpenAI HumanEval task: a completion passes when prompt + completion + test + check(entry point) runs cleanly.</summary>
public sealed record HumanEvalTask(string TaskId, string Prompt, string CanonicalSolution, string Test, string EntryPoint)
{
    public const string SharedPath = "problems/humaneval/HumanEval.jsonl.gz";

    /// <summary>The task's verifier, as the service would build it from a python spec.</summary>
    public PythonVerifier Verifier(PythonSandbox sandbox, double timeoutSeconds) =>
        new(new PythonSpec(Test, EntryPoint, Prefix: Prompt, TimeoutSeconds: timeoutSeconds), sandbox);

    /// <summary>The canonical solution as an attempt; the problem id routes it to this task's verifier.</summary>
    public Attempt CanonicalAttempt() => new(new Problem(Prompt, TaskId), CanonicalSolution);

    /// <summary>Reads the gzip JSON-lines file; a <see cref="BenchmarkInputException"/> naming the file and line when a row is unusable.</summary>
    public static IReadOnlyList<HumanEvalTask> Load(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var tasks = new List<HumanEvalTask>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            try
            {
                var row = JsonDocument.Parse(line).RootElement;
                string Field(string name) => row.GetProperty(name).GetString()
                    ?? throw new BenchmarkInputException($"{path} line {lineNumber}: field '{name}' is null.");
                tasks.Add(new HumanEvalTask(Field("task_id"), Field("prompt"), Field("canonical_solution"), Field("test"), Field("entry_point")));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new BenchmarkInputException($"{path} line {lineNumber} is not a HumanEval task: {e.Message}");
            }
        }
        return tasks;
    }
}
