namespace Sdpo.Contracts;

/// <summary>Why an attempt passed or failed. Only <see cref="Passed"/> counts as a discovery.</summary>
public enum VerdictStatus
{
    Passed,
    /// <summary>Well-formed but not right (wrong value, failing assert).</summary>
    Wrong,
    /// <summary>The attempt could not be understood (parse error, wrong format).</summary>
    Invalid,
    CompileError,
    RuntimeError,
    Timeout,
    MemoryLimit,
    /// <summary>The verifier itself failed (crashed, unreachable webhook); never a pass.</summary>
    VerifierError,
}
