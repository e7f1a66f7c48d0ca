using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

/// <summary>Ctrl+C: the first cancels the commands' token, and each command stops as its design says (README, exit codes 1
/// and 130); a second one is left to the default, which ends the process.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CancellationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sdpo-cancel-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TheFirstSignalCancelsTheTokenAndSaysSoAndASecondIsLeftToTheDefault()
    {
        var notices = new List<string>();
        var cancellation = new ConsoleCancellation(register: false, notify: notices.Add);

        Assert.True(cancellation.OnSignal()); // handled: the process lives on to stop cleanly
        var cancelled = new TaskCompletionSource();
        cancellation.Token.Register(() => cancelled.TrySetResult());
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([ConsoleCancellation.Notice], notices);

        Assert.False(cancellation.OnSignal()); // not handled: the default handling ends the process at once
        Assert.Single(notices);
    }

    [Fact]
    public async Task SolveStopsAtTheCancellationAndReportsItsAttemptsWithExitCodeOne()
    {
        // 1, 1 and 2 never reach 97: only the cancellation (or, were it lost, the budget) ends the run.
        var (exitCode, standardOutput, standardError) = await CliRunner.RunCancellingAsync("#   0 s0", "solve", "--numbers", "1,1,2", "--target", "97",
            "--budget", "4000", "--method", "best-of-k", "--threads", "1", "--model", Checkout.EmbeddedModel);

        Assert.True(exitCode == 1, standardOutput + standardError);
        var cancelled = Regex.Match(PlainText(standardOutput), @"Cancelled after (\d+) attempts");
        Assert.True(cancelled.Success, standardOutput);
        var attempts = int.Parse(cancelled.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(attempts, 1, 3999);
        Assert.Contains(ConsoleCancellation.Notice, standardError);
    }

    [Fact]
    public async Task PretrainSavesTheModelAndItsCheckpointWhereItWasCancelledAndResumesFromThere()
    {
        // --quick evaluates at step 15 and prints a line: cancelled there, of 30 steps.
        string output = Path.Combine(_root, "pretrain");
        var (exitCode, standardOutput, standardError) = await CliRunner.RunCancellingAsync("step 15:", "pretrain", "--quick", "--threads", "1", "-o", output);

        Assert.True(exitCode == 1, standardOutput + standardError);
        var text = PlainText(standardOutput);
        var cancelled = Regex.Match(text, @"Cancelled at step (\d+) of 30");
        Assert.True(cancelled.Success, text);
        int step = int.Parse(cancelled.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(step, 15, 29);
        Assert.True(File.Exists(Path.Combine(output, "config.json")), text);
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "model.safetensors")), text);
        using (var log = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "training_log.json"))))
            Assert.Equal(step, log.RootElement.GetProperty("steps").GetInt32());

        var (resumed, printed) = await CliRunner.RunAsync("pretrain", "--quick", "--threads", "1", "-o", output);
        Assert.True(resumed == 0, printed);
        Assert.Contains("Trained to step 30 of 30", printed);
    }

    [Fact]
    public async Task BenchWritesTheResultsAndPlotsItHasAndSaysHowToCarryOn()
    {
        // Cancelled once the model is loaded, before or during its first run: the results hold what finished (nothing).
        string output = Path.Combine(_root, "bench");
        var (exitCode, standardOutput, standardError) = await CliRunner.RunCancellingAsync("2 problems ×", "bench", "--suite", "arithmetic-rare",
            "--count", "2", "--budget", "64", "-g", "2", "--methods", "best-of-k", "--threads", "1", "--model", Checkout.EmbeddedModel, "-o", output);

        Assert.True(exitCode == 1, standardOutput + standardError);
        foreach (var file in new[] { "results.json", "plot.png", "plot.svg", "journal.jsonl" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing: {standardOutput}{standardError}");
        var text = PlainText(standardOutput);
        Assert.Matches(@"Cancelled after [01] of 2 runs", text);
        Assert.Contains("--resume", text);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        Assert.Equal(2, results.RootElement.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task ABenchmarkWithNothingToKeepStopsWithExitCode130AndSaysSo()
    {
        // bench-discovery went on with runs that stopped at once, timed them as whole runs and exited with 0.
        var (exitCode, standardOutput, standardError) = await CliRunner.RunCancellingAsync("model: ", "bench-discovery", "--model", Checkout.EmbeddedModel,
            "--attempts", "8", "--rounds", "2", "--memory-attempts", "16", "--threads", "1");

        Assert.True(exitCode == 130, standardOutput + standardError);
        Assert.Contains("Cancelled.", standardError);
        Assert.DoesNotContain("round 2", standardOutput);
    }

    [SignalFact]
    public async Task CtrlCInAProcessStopsSolveCleanlyWithExitCodeOne()
    {
        // The reviewer's case: Program.cs gave Spectre no token and hooked no signal, so SIGINT killed the process (130)
        // before solve could print its cancelled line.
        var start = new ProcessStartInfo(DotnetHost(), [Path.Combine(AppContext.BaseDirectory, "sdpo.dll"), "solve", "--numbers", "1,1,2", "--target", "97",
            "--budget", "100000", "--method", "best-of-k", "--threads", "1", "--model", Checkout.EmbeddedModel])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = Checkout.Root,
        };
        using var process = Process.Start(start)!;
        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        var firstAttempt = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (standardOutput) standardOutput.AppendLine(e.Data);
            if (e.Data.TrimStart().StartsWith('#')) firstAttempt.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (standardError) standardError.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Task.WhenAny(firstAttempt.Task, process.WaitForExitAsync()).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(firstAttempt.Task.IsCompleted, $"no attempt before the process ended: {standardOutput}{standardError}");

            using (var kill = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"kill -INT {process.Id}"]) { UseShellExecute = false })!)
                await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            process.WaitForExit(); // the output's last lines

            Assert.True(process.ExitCode == 1, $"exit code {process.ExitCode}: {standardOutput}{standardError}");
            Assert.Matches(@"Cancelled after \d+ attempts", PlainText(standardOutput.ToString()));
            Assert.Contains(ConsoleCancellation.Notice, standardError.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Without the console's colour codes and with its wrapped lines joined.</summary>
    private static string PlainText(string output) => Regex.Replace(Regex.Replace(output, @"\x1b\[[0-9;]*m", ""), @"\s+", " ");

    /// <summary>The dotnet host running this test (the one `dotnet test` names), else dotnet on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";
}

/// <summary>A test that sends a child process SIGINT: skipped, saying why, where that cannot work.</summary>
public sealed class SignalFactAttribute : FactAttribute
{
    public SignalFactAttribute()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            Skip = "sends SIGINT to a child process: Linux and macOS only.";
        else if (!File.Exists("/bin/sh"))
            Skip = "sends SIGINT with /bin/sh's kill, and /bin/sh is missing.";
        else if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "sdpo.dll")))
            Skip = "sdpo.dll is not beside the test binaries.";
        else if (SigIntIgnored())
            Skip = "SIGINT is ignored in this process (started in the background without job control?), so a child inherits that and cannot be interrupted.";
    }

    /// <summary>Whether SIGINT's disposition is SIG_IGN here, which a child keeps across exec and .NET respects.</summary>
    private static bool SigIntIgnored()
    {
        if (!OperatingSystem.IsLinux()) return false;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
    }
}
