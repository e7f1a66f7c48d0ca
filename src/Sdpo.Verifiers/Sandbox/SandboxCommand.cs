namespace Sdpo.Verifiers.Sandbox;

/// <summary>
/// Builds the command line of one run: sh (opens the seccomp filter's file, when there is one, as fd 9 and execs
/// the rest) → setsid (own session and process group) → setpriv (a per-run uid when the service is root) → prlimit
/// (rlimits) → bwrap (namespaces, read-only system, private /tmp, no network, the seccomp filter) → python3 -I -B
/// -c harness. The only writable file systems are /tmp and /dev/shm, tmpfs of TmpSizeBytes and
/// ShmSizeBytes (the --size option needs bubblewrap 0.7 or later), and the result file.
/// </summary>
internal static class SandboxCommand
{
    /// <summary>Where the result file appears inside bwrap: the only host file the run can write, and only it
    /// (a writable folder would let the candidate fill the host's disk with files of the size limit each).</summary>
    public const string ResultFileInside = "/sdpo-run/result.json";

    /// <summary>The descriptor bwrap reads the seccomp filter from (<see cref="SeccompFilter"/>).</summary>
    public const int SeccompFd = 9;

    private static readonly string[] SystemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"];

    public static List<string> Build(
        ResolvedSandboxOptions options, string? bubblewrap, int? userId, string? resultFile, PythonRunLimits limits, string harness,
        string? seccompFile = null)
    {
        var withFilter = bubblewrap is not null && seccompFile is not null;
        List<string> args = withFilter ? OpeningSeccompFile(seccompFile!) : [];
        args.Add("setsid");
        if (userId is { } uid)
            args.AddRange(["setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--"]);

        var cpuSeconds = (int)Math.Ceiling(limits.Timeout.TotalSeconds) + 1;
        args.AddRange([
            "prlimit",
            $"--as={(long)limits.MemoryMb * 1024 * 1024}",
            $"--cpu={cpuSeconds}:{cpuSeconds + 1}",
            $"--nproc={options.ProcessLimit}",
            $"--fsize={options.FileSizeLimitBytes}",
            $"--nofile={options.OpenFilesLimit}",
            "--core=0",
            "--",
        ]);

        if (bubblewrap is not null)
        {
            args.Add(bubblewrap);
            args.AddRange(BubblewrapArguments(options, resultFile, withFilter));
        }
        args.AddRange([options.PythonPath, "-I", "-B", "-c", harness]);
        return args;
    }

    /// <summary>
    /// The start of a command that runs the rest with <paramref name="seccompFile"/> open as <see cref="SeccompFd"/>:
    /// .NET passes no descriptors to a child, so a shell opens it and execs in its place (same pid, so the process
    /// group that setsid makes is still the started process's).
    /// </summary>
    public static List<string> OpeningSeccompFile(string seccompFile) =>
        ["/bin/sh", "-c", $"exec \"$@\" {SeccompFd}<\"$0\"", seccompFile];

    public static IEnumerable<string> BubblewrapArguments(ResolvedSandboxOptions options, string? resultFile, bool withSeccompFilter)
    {
        yield return "--unshare-all";
        yield return "--die-with-parent";
        yield return "--new-session";
        yield return "--clearenv";
        foreach (var folder in SystemFolders)
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return folder;
            }
            else if (info.Exists)
            {
                yield return "--ro-bind";
                yield return folder;
                yield return folder;
            }
        }
        yield return "--ro-bind-try";
        yield return "/etc/ld.so.cache";
        yield return "/etc/ld.so.cache";
        if (options.InterpreterPrefix is { } prefix)
        {
            yield return "--ro-bind";
            yield return prefix;
            yield return prefix;
        }
        yield return "--proc";
        yield return "/proc";
        // bwrap's /dev is a tmpfs of half the host's memory, and its /dev/shm a folder in it, both writable; tmpfs pages
        // count against no rlimit, so /dev is made read-only below and /dev/shm gets a small tmpfs of its own.
        yield return "--dev";
        yield return "/dev";
        yield return "--size";
        yield return options.ShmSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--tmpfs";
        yield return "/dev/shm";
        yield return "--remount-ro";
        yield return "/dev";
        yield return "--size";
        yield return options.TmpSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--tmpfs";
        yield return "/tmp";
        if (resultFile is not null)
        {
            yield return "--bind";
            yield return resultFile;
            yield return ResultFileInside;
        }
        // bwrap's root is a tmpfs of its own, writable and without a size limit: files written there would fill memory.
        yield return "--remount-ro";
        yield return "/";
        if (withSeccompFilter)
        {
            yield return "--seccomp";
            yield return SeccompFd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        yield return "--chdir";
        yield return "/tmp";
        foreach (var (name, value) in SandboxEnvironment("/tmp"))
        {
            yield return "--setenv";
            yield return name;
            yield return value;
        }
        yield return "--";
    }

    /// <summary>The whole environment the candidate sees; nothing of the service's leaks in.</summary>
    public static IEnumerable<(string Name, string Value)> SandboxEnvironment(string home) =>
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", home),
        ("LANG", "C.UTF-8"),
        ("PYTHONIOENCODING", "utf-8"),
    ];
}
