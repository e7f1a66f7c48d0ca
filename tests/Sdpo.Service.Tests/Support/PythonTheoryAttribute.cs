namespace Sdpo.Service.Tests.Support;

/// <summary>A theory that needs python3 (spec code is checked only where it is); skipped, saying why, elsewhere.</summary>
public sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, "python3")));
        if (!found) Skip = "python3 is not installed: spec code is checked only where it is.";
    }
}
