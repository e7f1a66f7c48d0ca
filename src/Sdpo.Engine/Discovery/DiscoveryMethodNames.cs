namespace Sdpo.Engine.Discovery;

/// <summary>The wire names of the discovery methods, as used in requests, URLs, stored rows, reports and command lines.</summary>
public static class DiscoveryMethodNames
{
    public static string ToWire(this DiscoveryMethod method) => method switch
    {
        DiscoveryMethod.Sdpo => "sdpo",
        DiscoveryMethod.BestOfK => "best-of-k",
        DiscoveryMethod.MultiTurn => "multi-turn",
        DiscoveryMethod.SelfTeacher => "self-teacher",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown discovery method."),
    };

    public static bool TryParse(string? wire, out DiscoveryMethod method)
    {
        foreach (var candidate in Enum.GetValues<DiscoveryMethod>())
        {
            if (candidate.ToWire() == wire)
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
