namespace Sdpo.Verifiers.Python;

/// <summary>
/// Limits and tools for running untrusted Python; bind from configuration section <see cref="SectionName"/>.
/// A spec may ask for a shorter or longer timeout / more memory, up to the Max* values here.
/// </summary>
public sealed class PythonVerifierOptions
{
    public const string SectionName = "Verifiers:Python";

    /// <summary>The interpreter; null picks /usr/bin/python3 where it exists, else python3 on PATH.</summary>
    public string? PythonPath { get; set; }

    /// <summary>bubblewrap; null looks for bwrap on PATH.</summary>
    public string? BubblewrapPath { get; set; }

    /// <summary>False runs with rlimits and timeouts only, as where bwrap is missing (benchmarks compare both).</summary>
    public bool UseBubblewrap { get; set; } = true;

    /// <summary>Refuse to run untrusted code without bwrap: every verdict is then a verifier error saying why.</summary>
    public bool RequireSandbox { get; set; }

    public double TimeoutSeconds { get; set; } = 5;
    public double MaxTimeoutSeconds { get; set; } = 60;

    /// <summary>Address-space limit of the sandboxed process tree's processes.</summary>
    public int MemoryMb { get; set; } = 512;
    public int MaxMemoryMb { get; set; } = 4096;

    /// <summary>Processes (threads count too) the sandbox user may have at once.</summary>
    public int ProcessLimit { get; set; } = 32;
    public int OpenFilesLimit { get; set; } = 64;
    public long FileSizeLimitBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Size of the sandbox's private /tmp (bwrap only). Its files are held in memory, outside the memory limit.</summary>
    public long TmpSizeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Size of the sandbox's /dev/shm (bwrap only; multiprocessing's semaphores and shared memory live there),
    /// held in memory like /tmp. The rest of /dev is read-only.</summary>
    public long ShmSizeBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Bytes of stdout and of stderr kept (the tail) for feedback.</summary>
    public int MaxOutputBytes { get; set; } = 64 * 1024;

    /// <summary>Total output after which the run is killed as a runaway.</summary>
    public long OutputKillBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Verifications that run at once; more wait their turn.</summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// When the service runs as root, concurrent run number i runs as uid/gid SandboxUserIdBase + i, so the
    /// process limit applies per run and stray processes can be swept. 0 keeps the service's own user.
    /// </summary>
    public int SandboxUserIdBase { get; set; } = 61000;
}
