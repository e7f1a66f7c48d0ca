using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sdpo.Contracts;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Tests.Support;

namespace Sdpo.Verifiers.Tests.Python;

/// <summary>The operator's mistakes (no python3, a required sandbox missing) are said as such: a verifier error naming
/// the setting, and a log line that says what is true, never the candidate's fault or bubblewrap's.</summary>
public sealed class PythonMisconfigurationTests
{
    [Fact]
    public async Task A_missing_interpreter_is_a_verifier_error_naming_the_setting_not_the_candidates_runtime_error()
    {
        var log = new CapturingLogger<PythonSandbox>();
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { PythonPath = "/nonexistent/python3" }, log);

        var verdict = await Sandboxes.RunPython(sandbox, "x = 1\n", "assert x == 1\n");

        // Was RuntimeError "The program exited (exit code 127) before the checks finished", blamed on the attempt.
        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("/nonexistent/python3", verdict.Feedback);
        Assert.Contains("Verifiers:Python:PythonPath", verdict.Feedback);
        Assert.Contains("Verifiers:Python:PythonPath", await sandbox.UnavailableReasonAsync());
        // Was "run WITHOUT the bubblewrap sandbox (a bubblewrap test run failed ... execvp /nonexistent/python3)".
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Python verifications cannot run") && e.Message.Contains("PythonPath"));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("WITHOUT the bubblewrap sandbox"));
    }

    [PythonFact]
    public async Task A_required_sandbox_that_is_unavailable_refuses_runs_and_the_log_says_so()
    {
        var log = new CapturingLogger<PythonSandbox>();
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { BubblewrapPath = "/nonexistent/bwrap", RequireSandbox = true }, log);

        var verdict = await Sandboxes.RunPython(sandbox, "x = 1\n", "assert x == 1\n");

        Assert.Equal(VerdictStatus.VerifierError, verdict.Status);
        Assert.Contains("sandbox is required", verdict.Feedback);
        Assert.Contains("RequireSandbox", await sandbox.UnavailableReasonAsync());
        // Was a warning that code runs WITHOUT the sandbox, which with RequireSandbox it never does.
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("refused") && e.Message.Contains("RequireSandbox"));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("WITHOUT"));
    }

    [PythonFact]
    public async Task A_working_interpreter_without_a_required_sandbox_is_available()
    {
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { UseBubblewrap = false });
        Assert.Null(await sandbox.UnavailableReasonAsync());
    }

    [Fact]
    public async Task A_spec_check_where_python_verifications_cannot_run_lets_the_spec_through_without_starting_python_or_a_warning()
    {
        var log = new CapturingLogger<PythonSandbox>();
        using var sandbox = new PythonSandbox(new PythonVerifierOptions { PythonPath = "/nonexistent/python3", UseBubblewrap = false }, log);

        // The submission is refused (503) or its attempts told why; each check also ran prlimit on the missing interpreter and logged that it failed.
        Assert.Null(await sandbox.CheckSpecCodeAsync(new JsonObject { ["mode"] = "tests", ["tests"] = "assert True" }));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("The check of a spec's Python code"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("PythonPath"));
    }
}
