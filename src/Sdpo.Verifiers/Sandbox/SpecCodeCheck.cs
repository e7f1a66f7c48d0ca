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
/// runs have it) but as the service's user and without the seccomp filter: it runs no candidate code. Asynchronous, since
/// it runs on a request: the first check waits for the one-time bubblewrap probe (up to 20 s), and no request's thread
/// should wait for that or for python3. A check takes tens of milliseconds and its answers are remembered, as runs resolve
/// their problem again when they start. When the check itself cannot run, the spec is let through (the runs then say why).
/// </summary>
/// <param name="bubblewrap">bwrap's path when the runs are sandboxed by it, else null; its task may wait for the probe</param>
internal sealed class SpecCodeCheck(
    ResolvedSandboxOptions options, PythonRunLimits limits, Func<CancellationToken, Task<string?>> bubblewrap, ILogger logger)
{
    private const int MaxRemembered = 4096;
    private static readonly Lazy<string> Script = new(LoadScript);
    private readonly ConcurrentDictionary<string, SpecCodeProblem?> _remembered = new(StringComparer.Ordinal);

    /// <summary>Throws only <see cref="OperationCanceledException"/>, when <paramref name="cancellationToken"/> fires (the
    /// check is killed and nothing is remembered).</summary>
    public async Task<SpecCodeProblem?> CheckAsync(JsonObject job, CancellationToken cancellationToken)
    {
        var text = job.ToJsonString();
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        if (_remembered.TryGetValue(key, out var known)) return known;
        var (ran, problem) = await TryRunAsync(text, cancellationToken).ConfigureAwait(false);
        if (!ran) return null;
        if (_remembered.Count >= MaxRemembered) _remembered.Clear();
        _remembered[key] = problem;
        return problem;
    }

    private async Task<(bool Ran, SpecCodeProblem? Problem)> TryRunAsync(string job, CancellationToken cancellationToken)
    {
        var command = SandboxCommand.Build(options, await bubblewrap(cancellationToken).ConfigureAwait(false), userId: null, resultFile: null,
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
            await ProcessLauncher.StartAsync(process).ConfigureAwait(false);
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            // The timeout covers the write too: a check that never reads a large spec would otherwise hold it.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limits.Timeout);
            try
            {
                try
                {
                    await process.StandardInput.WriteAsync(job.AsMemory(), deadline.Token).ConfigureAwait(false);
                    process.StandardInput.Close();
                }
                catch (IOException) { } // it died before reading; the exit code says so
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                logger.LogWarning("The check of a spec's Python code took longer than {Seconds} s; the spec was let through unchecked.", limits.Timeout.TotalSeconds);
                return (false, null);
            }
            var answerText = await output.ConfigureAwait(false);
            var errorText = await error.ConfigureAwait(false);
            if (process.ExitCode != 0 || JsonNode.Parse(answerText) is not JsonObject answer)
            {
                logger.LogWarning("The check of a spec's Python code failed (exit {ExitCode}): {Error}; the spec was let through unchecked.",
                    process.ExitCode, errorText.Trim());
                return (false, null);
            }
            return answer["field"]?.GetValue<string>() is { } field
                ? (true, new SpecCodeProblem(field, answer["problem"]?.GetValue<string>() ?? "is not valid"))
                : (true, null);
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException or JsonException)
        {
            logger.LogWarning("The check of a spec's Python code could not run ({Error}); the spec was let through unchecked.", error.Message);
            return (false, null);
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
