using Sdpo.Contracts;

namespace Sdpo.Verifiers;

/// <summary>The wire names of verdict statuses ("runtime-error"), used in harness results and JSON.</summary>
public static class VerdictStatusNames
{
    private static readonly Dictionary<VerdictStatus, string> Names = new()
    {
        [VerdictStatus.Passed] = "passed",
        [VerdictStatus.Wrong] = "wrong",
        [VerdictStatus.Invalid] = "invalid",
        [VerdictStatus.CompileError] = "compile-error",
        [VerdictStatus.RuntimeError] = "runtime-error",
        [VerdictStatus.Timeout] = "timeout",
        [VerdictStatus.MemoryLimit] = "memory-limit",
        [VerdictStatus.VerifierError] = "verifier-error",
    };

    private static readonly Dictionary<string, VerdictStatus> ByName =
        Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public static string ToName(this VerdictStatus status) => Names[status];

    public static bool TryParse(string name, out VerdictStatus status) => ByName.TryGetValue(name, out status);
}
