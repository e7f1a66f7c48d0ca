using Xunit;

namespace Sdpo.TestSupport;

/// <summary>A fact that needs an entry of shared/; it is skipped, saying which entry, where that is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] requiredPaths)
    {
        foreach (var path in requiredPaths)
        {
            if (SharedData.Find(path) is null)
            {
                Skip = $"shared/{path} not found beside the checkout (set SDPO_SHARED_DIR to point at it); conformance test skipped.";
                break;
            }
        }
    }
}

/// <summary>A theory that needs an entry of shared/; skipped where that is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] requiredPaths)
    {
        foreach (var path in requiredPaths)
        {
            if (SharedData.Find(path) is null)
            {
                Skip = $"shared/{path} not found beside the checkout (set SDPO_SHARED_DIR to point at it); conformance test skipped.";
                break;
            }
        }
    }
}
