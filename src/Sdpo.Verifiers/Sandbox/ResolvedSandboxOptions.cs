using Sdpo.Verifiers.Python;

namespace Sdpo.Verifiers.Sandbox;

/// <summary>The options with tool paths resolved and values checked, fixed for the sandbox's lifetime.</summary>
internal sealed record ResolvedSandboxOptions(
    string PythonPath,
    string? InterpreterPrefix,
    string? BubblewrapPath,
    int ProcessLimit,
    int OpenFilesLimit,
    long FileSizeLimitBytes,
    long TmpSizeBytes,
    long ShmSizeBytes)
{
    public static ResolvedSandboxOptions From(PythonVerifierOptions options)
    {
        Require(options.TimeoutSeconds > 0 && options.TimeoutSeconds <= options.MaxTimeoutSeconds, nameof(options.TimeoutSeconds),
            $"must be > 0 and <= MaxTimeoutSeconds ({options.MaxTimeoutSeconds})");
        Require(options.MemoryMb >= 32 && options.MemoryMb <= options.MaxMemoryMb, nameof(options.MemoryMb),
            $"must be between 32 and MaxMemoryMb ({options.MaxMemoryMb})");
        Require(options.ProcessLimit >= 4, nameof(options.ProcessLimit), "must be at least 4 (bwrap and python need a few)");
        Require(options.OpenFilesLimit >= 16, nameof(options.OpenFilesLimit), "must be at least 16");
        Require(options.MaxOutputBytes >= 1024, nameof(options.MaxOutputBytes), "must be at least 1024");
        Require(options.OutputKillBytes >= options.MaxOutputBytes, nameof(options.OutputKillBytes), "must be >= MaxOutputBytes");
        Require(options.TmpSizeBytes >= 1024 * 1024, nameof(options.TmpSizeBytes), "must be at least 1 MiB");
        Require(options.ShmSizeBytes >= 1024 * 1024, nameof(options.ShmSizeBytes), "must be at least 1 MiB");
        Require(options.MaxConcurrency >= 1, nameof(options.MaxConcurrency), "must be at least 1");

        var python = options.PythonPath ?? (File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
        if (!Path.IsPathRooted(python)) python = FindOnPath(python) ?? python;
        var bubblewrap = options.UseBubblewrap ? options.BubblewrapPath ?? FindOnPath("bwrap") : null;
        return new ResolvedSandboxOptions(python, InterpreterPrefixOutsideSystem(python), bubblewrap,
            options.ProcessLimit, options.OpenFilesLimit, options.FileSizeLimitBytes, options.TmpSizeBytes, options.ShmSizeBytes);
    }

    public static string? FindOnPath(string program)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>An interpreter installed outside /usr (e.g. /opt/python/bin/python3) needs its prefix inside bwrap.</summary>
    private static string? InterpreterPrefixOutsideSystem(string python)
    {
        if (!Path.IsPathRooted(python) || !File.Exists(python)) return null;
        var real = new FileInfo(python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(python);
        if (real.StartsWith("/usr/", StringComparison.Ordinal)) return null;
        var binFolder = Path.GetDirectoryName(real);
        return binFolder is null ? null : Path.GetDirectoryName(binFolder) ?? binFolder;
    }

    private static void Require(bool condition, string option, string rule)
    {
        if (!condition) throw new ArgumentException($"{PythonVerifierOptions.SectionName}:{option} {rule}.", option);
    }
}
