using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>What is wrong with a spec's code: <see cref="Field"/> is the spec's field ("tests", "sat", "answerType").</summary>
public sealed record SpecCodeProblem(string Field, string Problem);

/// <summary>
/// Compiles a python or p3 spec's code once, on submission, with speccheck.py (which runs none of it), so that
/// tests that do not compile, a puzzle without `sat` or an answer type that cannot be evaluated are refused
/// instead of failing every attempt as a verifier error. It runs like the harness (rlimits, bubblewrap when the
/// runs have it) but as the service's user and without the seccomp filter: it runs no candidate code. Synchronous, since problems are resolved
/// synchronously; a check takes tens of milliseconds and its answers are remembered, as runs resolve their problem
/// again when they start. When the check itself cannot run, the spec is let through (the runs then say why).
/// </summary>
internal sealed class SpecCodeCheck(ResolvedSandboxOptions options, PythonRunLimits limits, Func<string?> bubblewrap, ILogger logger)
{
    private const int MaxRemembered = 4096;
    private static readonly Lazy<string> Script = new(LoadScript);
    private readonly ConcurrentDictionary<string, SpecCodeProblem?> _remembered = new(StringComparer.Ordinal);

    public SpecCodeProblem? Check(JsonObject job)
    {
        var text = job.ToJsonString();
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        if (_remembered.TryGetValue(key, out var known)) return known;
        if (!TryRun(text, out var problem)) return null;
        if (_remembered.Count >= MaxRemembered) _remembered.Clear();
        _remembered[key] = problem;
        return problem;
    }

    private bool TryRun(string job, out SpecCodeProblem? problem)
    {
        problem = null;
        var command = SandboxCommand.Build(options, bubblewrap(), userId: null, resultFile: null,
            limits, Script.Value);
        // -S: the check imports nothing from site-packages.
        command.Insert(command.Count - 2, "-S");
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in SandboxCommand.SandboxEnvironment("/tmp")) start.Environment[name] = value;
        try
        {
            using var process = new Process { StartInfo = start };
            ProcessLauncher.Start(process);
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(job);
                process.StandardInput.Close();
            }
            catch (IOException) { } // it died before reading; the exit code says so
            if (!process.WaitForExit(limits.Timeout))
            {
                process.Kill(entireProcessTree: true);
                logger.LogWarning("The check of a spec's Python code took longer than {Seconds} s; the spec was let through unchecked.", limits.Timeout.TotalSeconds);
                return false;
            }
            process.WaitForExit();
            if (process.ExitCode != 0 || JsonNode.Parse(output.Result) is not JsonObject answer)
            {
                logger.LogWarning("The check of a spec's Python code failed (exit {ExitCode}): {Error}; the spec was let through unchecked.",
                    process.ExitCode, error.Result.Trim());
                return false;
            }
            if (answer["field"]?.GetValue<string>() is { } field)
                problem = new SpecCodeProblem(field, answer["problem"]?.GetValue<string>() ?? "is not valid");
            return true;
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException or JsonException)
        {
            logger.LogWarning("The check of a spec's Python code could not run ({Error}); the spec was let through unchecked.", error.Message);
            return false;
        }
    }

    private static string LoadScript()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Sdpo.Verifiers.Python.speccheck.py")
            ?? throw new InvalidOperationException("The embedded spec check speccheck.py is missing from Sdpo.Verifiers.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
