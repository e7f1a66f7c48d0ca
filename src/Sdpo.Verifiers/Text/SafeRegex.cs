using System.Text.RegularExpressions;

namespace Sdpo.Verifiers.Text;

/// <summary>
/// Builds regexes that a hostile pattern cannot use to hang the service: the linear-time NonBacktracking
/// engine when the pattern allows it, otherwise the backtracking engine bounded by <see cref="MatchTimeout"/>.
/// </summary>
public static class SafeRegex
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    /// <exception cref="ArgumentException">The pattern does not parse.</exception>
    public static Regex Create(string pattern, bool ignoreCase, bool fullMatch)
    {
        var anchored = fullMatch ? $@"\A(?:{pattern})\z" : pattern;
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        // Validate the user's pattern on its own first so a parse error points at their text, not our anchors.
        _ = new Regex(pattern, options, MatchTimeout);
        try
        {
            return new Regex(anchored, options | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            // Backreferences and lookarounds need backtracking; the match timeout bounds it instead.
            return new Regex(anchored, options, MatchTimeout);
        }
    }
}
