using Sdpo.Engine.Discovery;

namespace Sdpo.Reports;

/// <summary>The wire names of the discovery methods in reports and command lines: sdpo, best-of-k, multi-turn.</summary>
public static class MethodNames
{
    public static string ToWire(DiscoveryMethod method) => method switch
    {
        DiscoveryMethod.Sdpo => "sdpo",
        DiscoveryMethod.BestOfK => "best-of-k",
        DiscoveryMethod.MultiTurn => "multi-turn",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown discovery method."),
    };

    public static bool TryParse(string? wire, out DiscoveryMethod method)
    {
        foreach (var candidate in Enum.GetValues<DiscoveryMethod>())
        {
            if (ToWire(candidate) == wire)
            {
                method = candidate;
                return true;
            }
        }
        method = default;
        return false;
    }

    public static string All => string.Join(", ", Enum.GetValues<DiscoveryMethod>().Select(ToWire));
}
