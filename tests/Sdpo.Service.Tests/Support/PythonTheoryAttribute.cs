namespace Sdpo.Service.Tests.Support;

/// <summary>A theory that needs python3 (spec code is checked only where it is); skipped, saying why, elsewhere.</summary>
public sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute()
    {
        if (!PythonInstalled) Skip = "python3 is not installed: spec code is checked only where it is.";
    }

    public static bool PythonInstalled { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(folder => File.Exists(Path.Combine(folder, "python3")));

    /// <summary>What /health says of a service with nothing else wrong: without python3, Python verifications cannot run,
    /// and it is degraded.</summary>
    public static string HealthyStatus => PythonInstalled ? "healthy" : "degraded";
}
