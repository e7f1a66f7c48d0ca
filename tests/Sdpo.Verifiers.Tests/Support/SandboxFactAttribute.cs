using System.Runtime.InteropServices;

namespace Sdpo.Verifiers.Tests.Support;

/// <summary>A fact that runs Python; skipped (saying why) where python3 is missing, and, when sandboxed, bwrap too.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(bool needsBubblewrap = false)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) Skip = "The Python sandbox runs on Linux only.";
        else if (!Tools.Exists("python3")) Skip = "python3 is not installed.";
        else if (needsBubblewrap && !Tools.Exists("bwrap")) Skip = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap.";
    }
}

internal static class Tools
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, program)));
}
