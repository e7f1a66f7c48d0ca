using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sdpo.Verifiers.Python;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Runs the Python harness on untrusted code: one process tree per run in its own session, bubblewrap when
/// available (no network, read-only system, private /tmp, cleared environment), rlimits always, a wall
/// timeout that kills the whole tree, capped output. The verdict comes only from a result file that the
/// harness signs with a per-run key (HMAC-SHA256), which only its checker process ever holds: the candidate runs
/// in a process of its own, forked before the key is read (harness.py), so what it prints or writes into the
/// result file is never trusted. Safe for concurrent use.
/// </summary>
public sealed class PythonSandbox : IDisposable
{
    private const int MaxResultBytes = 256 * 1024;
    private static readonly Lazy<string> HarnessSource = new(LoadHarness);

    private readonly PythonVerifierOptions _options;
    private readonly ResolvedSandboxOptions _resolved;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Lazy<Task<string?>> _bubblewrapProblem;
    private readonly Lazy<Task<string?>> _interpreterProblem;
    private readonly SandboxUserPool? _users;
    private readonly SpecCodeCheck _specCheck;

    public PythonSandbox(PythonVerifierOptions options, ILogger<PythonSandbox>? logger = null)
    {
        _options = options;
        _resolved = ResolvedSandboxOptions.From(options);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        if (options.SandboxUserIdBase > 0 && NativeMethods.GetEffectiveUserId() == 0 && ResolvedSandboxOptions.FindOnPath("setpriv") is not null)
            _users = new SandboxUserPool(options.SandboxUserIdBase, 2 * options.MaxConcurrency); // spare uids space out reuse
        _interpreterProblem = new Lazy<Task<string?>>(ProbeInterpreterAsync);
        _bubblewrapProblem = new Lazy<Task<string?>>(ProbeBubblewrapAsync);
        _specCheck = new SpecCodeCheck(_resolved, new PythonRunLimits(TimeSpan.FromSeconds(10), options.MemoryMb),
            async cancellationToken => await _bubblewrapProblem.Value.WaitAsync(cancellationToken).ConfigureAwait(false) is null ? _resolved.BubblewrapPath : null,
            _logger);
    }

    public PythonVerifierOptions Options => _options;

    /// <summary>Null when runs are sandboxed by bubblewrap; otherwise why not (tested once, on first use).</summary>
    public Task<string?> UnsandboxedReasonAsync() => _bubblewrapProblem.Value;

    /// <summary>Null when Python verifications can run; otherwise why none can, the operator's to fix, not a candidate's
    /// fault: python3 does not run, or the sandbox is required (RequireSandbox) and unavailable. Tested once, on first use.</summary>
    public async Task<string?> UnavailableReasonAsync()
    {
        if (await _interpreterProblem.Value.ConfigureAwait(false) is { } interpreter) return interpreter;
        return _options.RequireSandbox && await _bubblewrapProblem.Value.ConfigureAwait(false) is { } bubblewrap
            ? $"the sandbox is required ({PythonVerifierOptions.SectionName}:RequireSandbox) but unavailable: {bubblewrap}"
            : null;
    }

    /// <summary>The time and memory a spec asks for, defaulted and capped by the options.</summary>
    public PythonRunLimits LimitsFor(double? timeoutSeconds, int? memoryMb) => new(
        TimeSpan.FromSeconds(Math.Min(timeoutSeconds ?? _options.TimeoutSeconds, _options.MaxTimeoutSeconds)),
        Math.Min(memoryMb ?? _options.MemoryMb, _options.MaxMemoryMb));

    /// <summary>
    /// What makes a spec's code unusable (tests or sat that do not compile, no sat, an answer type that cannot be
    /// evaluated), found without running it; null when nothing is, or when the check could not run. python3 compiles the
    /// code (tens of milliseconds; answers are remembered), after the one-time probes for the first check. Where no
    /// verification can run here (<see cref="UnavailableReasonAsync"/>), neither is the check: the spec is let through, for
    /// the submission to be refused or its attempts told why, without a python3 started and a warning logged for each.
    /// Throws only <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires, which stops the
    /// wait (the probes go on for the runs) and kills the check. <paramref name="job"/> is {"mode": "tests", "tests"} or
    /// {"mode": "p3", "sat", "answerType"}.
    /// </summary>
    public async Task<SpecCodeProblem?> CheckSpecCodeAsync(JsonObject job, CancellationToken cancellationToken = default) =>
        await UnavailableReasonAsync().WaitAsync(cancellationToken).ConfigureAwait(false) is null
            ? await _specCheck.CheckAsync(job, cancellationToken).ConfigureAwait(false)
            : null;

    /// <summary>
    /// Runs the harness on <paramref name="job"/> (its mode, code and tests; see harness.py). Throws only
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires; everything
    /// else, including a missing interpreter, comes back in the <see cref="SandboxRun"/>.
    /// </summary>
    public async Task<SandboxRun> RunHarnessAsync(JsonObject job, PythonRunLimits limits, CancellationToken cancellationToken = default)
    {
        if (await UnavailableReasonAsync().ConfigureAwait(false) is { } unavailable)
            return Refused($"Python verifications cannot run on this service: {unavailable}.", Stopwatch.GetTimestamp());
        var sandboxed = await _bubblewrapProblem.Value.ConfigureAwait(false) is null;

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        // The run's duration is the verification's own: the wait for a slot, when verifications queue, is not in it.
        var started = Stopwatch.GetTimestamp();
        int? userId = _users?.Rent();
        try
        {
            return await RunInSlotAsync(job, limits, sandboxed, userId, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (userId is { } uid)
            {
                await SandboxUserPool.SweepAsync(uid, toleratedZombies: _options.ProcessLimit / 4, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                _users!.Return(uid);
            }
            _slots.Release();
        }
    }

    private async Task<SandboxRun> RunInSlotAsync(
        JsonObject job, PythonRunLimits limits, bool sandboxed, int? userId, long started, CancellationToken cancellationToken)
    {
        var runFolder = Directory.CreateTempSubdirectory("sdpo-run-").FullName;
        try
        {
            var resultPath = Path.Combine(runFolder, "result.json");
            await File.WriteAllBytesAsync(resultPath, [], cancellationToken).ConfigureAwait(false);
            if (userId is { } uid)
            {
                NativeMethods.Chown(runFolder, uid, uid);
                NativeMethods.Chown(resultPath, uid, uid);
            }

            var key = RandomNumberGenerator.GetBytes(32);
            var request = (JsonObject)job.DeepClone();
            request["key"] = Convert.ToHexString(key);
            request["resultPath"] = sandboxed ? SandboxCommand.ResultFileInside : resultPath;

            string? seccompFile = null;
            if (sandboxed && SeccompFilter.Program is { } filter)
            {
                // Read by bwrap before anything of the run starts; outside the sandbox, so the run never sees it.
                seccompFile = Path.Combine(runFolder, "seccomp.bpf");
                await File.WriteAllBytesAsync(seccompFile, filter, cancellationToken).ConfigureAwait(false);
            }

            var command = SandboxCommand.Build(_resolved, sandboxed ? _resolved.BubblewrapPath : null, userId,
                resultPath, limits, HarnessSource.Value, seccompFile);
            var execution = await ExecuteAsync(command, sandboxed ? null : runFolder, request.ToJsonString(), limits.Timeout,
                cancellationToken).ConfigureAwait(false);

            var (result, problem) = ReadResult(resultPath, key);
            // The candidate can write "bwrap: ..." to stderr and kill the harness, so a sandbox failure is believed
            // only when bubblewrap, tried afresh, fails too.
            var sandboxFailed = sandboxed && result is null && execution.Stderr.StartsWith("bwrap:", StringComparison.Ordinal)
                && await TryBubblewrapAsync().ConfigureAwait(false) is not null;
            return new SandboxRun(result, problem, execution.ExitCode, execution.TimedOut, execution.OutputLimitExceeded,
                execution.Stdout, execution.Stderr, execution.OutputBytes, Stopwatch.GetElapsedTime(started), sandboxed,
                SandboxFailedToStart: sandboxFailed);
        }
        finally
        {
            try { Directory.Delete(runFolder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private sealed record Execution(int? ExitCode, bool TimedOut, bool OutputLimitExceeded, string Stdout, string Stderr, long OutputBytes);

    private async Task<Execution> ExecuteAsync(
        List<string> command, string? workingFolder, string stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingFolder ?? Path.GetTempPath(),
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (name, value) in SandboxCommand.SandboxEnvironment(workingFolder ?? "/tmp")) start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            await ProcessLauncher.StartAsync(process).ConfigureAwait(false);
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new Execution(null, false, false, "", $"could not start {command[0]}: {error.Message}", 0);
        }

        var stdout = new TailBuffer(_options.MaxOutputBytes);
        var stderr = new TailBuffer(_options.MaxOutputBytes);
        using var outputLimit = new CancellationTokenSource();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, outputLimit.Token);
        deadline.CancelAfter(timeout);

        var readers = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, stdout, stderr, outputLimit),
            PumpAsync(process.StandardError.BaseStream, stderr, stdout, outputLimit));
        _ = FeedStdinAsync(process, stdin);

        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested && !outputLimit.IsCancellationRequested;
        }
        // A harness that finished may still have left children holding the output pipes; with per-run uids the
        // sweep after the run finds them, otherwise only the process group can.
        if (!process.HasExited || _users is null) KillTree(process);
        await Task.WhenAny(readers, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        // A process that survives SIGKILL this long is stuck in the kernel; report it instead of waiting forever.
        await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None))
            .ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        return new Execution(process.HasExited ? process.ExitCode : null, timedOut, outputLimit.IsCancellationRequested,
            stdout.Text(), stderr.Text(), stdout.TotalBytes + stderr.TotalBytes);
    }

    private async Task PumpAsync(Stream stream, TailBuffer into, TailBuffer other, CancellationTokenSource outputLimit)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                into.Write(buffer.AsSpan(0, read));
                if (into.TotalBytes + other.TotalBytes > _options.OutputKillBytes && !outputLimit.IsCancellationRequested)
                    outputLimit.Cancel();
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    private static async Task FeedStdinAsync(Process process, string stdin)
    {
        try
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException) { } // the process died before reading its job; the missing result says so
        catch (ObjectDisposedException) { }
    }

    private static void KillTree(Process process)
    {
        try
        {
            // setsid made the process a session and group leader: the group id is its pid.
            NativeMethods.Kill(-process.Id, NativeMethods.SigKill);
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    private static (HarnessResult? Result, string? Problem) ReadResult(string path, byte[] key)
    {
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length > MaxResultBytes) return (null, "the result channel held more data than the harness ever writes");
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (IOException) { return (null, "the result channel could not be read"); }
        if (bytes.Length == 0) return (null, null);
        try
        {
            if (JsonNode.Parse(bytes) is not JsonObject node) return (null, "the result channel held something other than the harness's result");
            var status = node["status"]?.GetValue<string>();
            var feedback = node["feedback"]?.GetValue<string>();
            var mac = node["mac"]?.GetValue<string>();
            if (status is null || feedback is null || mac is null) return (null, "the result channel held an incomplete result");
            var expected = HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(status + "\n" + feedback));
            return CryptographicOperations.FixedTimeEquals(expected, TryFromHex(mac))
                ? (new HarnessResult(status, feedback), null)
                : (null, "the result channel was written by something other than the test harness");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            return (null, "the result channel held something other than the harness's result");
        }
    }

    private static byte[] TryFromHex(string text)
    {
        try { return Convert.FromHexString(text); }
        catch (FormatException) { return []; }
    }

    private async Task<string?> ProbeInterpreterAsync()
    {
        var problem = await InterpreterProbe.RunAsync(_resolved.PythonPath).ConfigureAwait(false);
        if (problem is not null)
            _logger.LogError("Python verifications cannot run: {Reason}. Python and p3 submissions are refused (503) until it is fixed and the service restarted.", problem);
        return problem;
    }

    private async Task<string?> ProbeBubblewrapAsync()
    {
        string? problem;
        if (!_options.UseBubblewrap) problem = "bubblewrap is disabled by configuration (UseBubblewrap = false)";
        else if (_resolved.BubblewrapPath is null) problem = "bubblewrap (bwrap) was not found on PATH";
        // The bubblewrap test runs python3 inside the sandbox: with no working interpreter it would fail, and blame bubblewrap.
        else if (await _interpreterProblem.Value.ConfigureAwait(false) is not null) return "not tested: the Python interpreter does not run";
        else problem = await TryBubblewrapAsync().ConfigureAwait(false);
        if (problem is not null && _options.RequireSandbox)
            _logger.LogError("Python verifications are refused: the sandbox is required ({Setting} = true) but unavailable ({Reason}). Python and p3 submissions get 503 until bubblewrap works and the service is restarted.",
                $"{PythonVerifierOptions.SectionName}:RequireSandbox", problem);
        else if (problem is not null)
            _logger.LogWarning("Python verifications run WITHOUT the bubblewrap sandbox ({Reason}): only rlimits and timeouts apply, and every verdict says Sandboxed = false.", problem);
        else if (SeccompFilter.Program is null)
            _logger.LogWarning("Python verifications run without the seccomp filter on {Architecture}: System V IPC and memfd files can hold memory outside the memory limit.",
                System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture);
        return problem;
    }

    private async Task<string?> TryBubblewrapAsync()
    {
        // Probe as the runs will run: under the per-run uid when switching users, since unprivileged bwrap may be refused,
        // and with the seccomp filter, which a kernel without seccomp would refuse.
        string? seccompFile = null;
        if (SeccompFilter.Program is { } filter)
        {
            try
            {
                seccompFile = Path.GetTempFileName();
                await File.WriteAllBytesAsync(seccompFile, filter).ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // A probe that throws would be remembered as thrown, failing every later run: it is a problem instead.
                return $"the seccomp filter could not be written for the bubblewrap test run: {error.Message}";
            }
        }
        List<string> command = seccompFile is null ? [] : SandboxCommand.OpeningSeccompFile(seccompFile);
        var probeUid = _users?.Rent();
        if (probeUid is { } uid) command.AddRange(["setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--"]);
        command.Add(_resolved.BubblewrapPath!);
        command.AddRange(SandboxCommand.BubblewrapArguments(_resolved, resultFile: null, withSeccompFilter: seccompFile is not null));
        var start = new ProcessStartInfo(command[0]);
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        foreach (var argument in new[] { _resolved.PythonPath, "-I", "-c", "print('ok')" }) start.ArgumentList.Add(argument);
        try
        {
            var timeout = TimeSpan.FromSeconds(20);
            if (await ProbeRun.RunAsync(start, timeout, fromLauncher: true).ConfigureAwait(false) is not { } probe)
                return $"a bubblewrap test run did not end within {timeout.TotalSeconds:0} s";
            return probe.ExitCode == 0 && probe.Output.Trim() == "ok"
                ? null
                : $"a bubblewrap test run failed (exit {probe.ExitCode}): {probe.Error.Trim()}";
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"bubblewrap could not be started: {error.Message}";
        }
        finally
        {
            if (probeUid is { } rented) _users!.Return(rented);
            if (seccompFile is not null) File.Delete(seccompFile);
        }
    }

    private static SandboxRun Refused(string reason, long started) =>
        new(null, null, null, false, false, "", "", 0, Stopwatch.GetElapsedTime(started), false, reason);

    private static string LoadHarness()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Sdpo.Verifiers.Python.harness.py")
            ?? throw new InvalidOperationException("The embedded Python harness is missing from Sdpo.Verifiers.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        _slots.Dispose();
        _users?.Dispose();
    }
}
