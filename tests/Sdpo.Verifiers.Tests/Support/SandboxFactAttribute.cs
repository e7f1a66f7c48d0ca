using System.Runtime.InteropServices;

namespace Sdpo.Verifiers.Tests.Support;

/// <summary>A fact that runs Python; skipped (saying why) where python3 is missing, and, when sandboxed, bwrap too;
/// <c>needsX64</c> for a candidate that runs x86 machine code.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(bool needsBubblewrap = false, bool needsX64 = false) =>
        Skip = needsX64 && RuntimeInformation.ProcessArchitecture != Architecture.X64
            ? "The candidate runs x86-64 machine code."
            : PythonSkip.Reason(needsBubblewrap);
}

/// <summary>The theory form of <see cref="PythonFactAttribute"/>.</summary>
public sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute(bool needsBubblewrap = false) => Skip = PythonSkip.Reason(needsBubblewrap);
}

internal static class PythonSkip
{
    public static string? Reason(bool needsBubblewrap)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return "The Python sandbox runs on Linux only.";
        if (!Tools.Exists("python3")) return "python3 is not installed.";
        if (needsBubblewrap && !Tools.Exists("bwrap")) return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap.";
        return null;
    }
}

internal static class Tools
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, program)));
}
