using System.Text.RegularExpressions;

namespace Sdpo.Verifiers.Python;

/// <summary>
/// Pulls the code out of a Markdown answer: the first ```python block, else the first fenced block of any
/// language; a fence the model never closed runs to the end. Text without a fence is taken as code.
/// </summary>
public static partial class CodeBlockExtractor
{
    private static readonly HashSet<string> PythonTags = new(StringComparer.OrdinalIgnoreCase) { "python", "py", "python3" };

    public static string Extract(string text)
    {
        var blocks = Fence().Matches(text);
        if (blocks.Count == 0) return text;
        var chosen = blocks.FirstOrDefault(block => PythonTags.Contains(block.Groups["lang"].Value)) ?? blocks[0];
        return chosen.Groups["code"].Value;
    }

    [GeneratedRegex(@"^[ \t]*```[ \t]*(?<lang>[\w+#.-]*)[^\n]*\n(?<code>.*?)(?:^[ \t]*```[ \t]*$|\z)",
        RegexOptions.Multiline | RegexOptions.Singleline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Fence();
}
