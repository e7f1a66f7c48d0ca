namespace Sdpo.Engine.Sdpo;

/// <summary>
/// The self-teacher's context for one failed attempt, from the SDPO reference templates:
/// <c>{prompt}{solution}{feedback}\n\nCorrectly solve the original question.\n</c>. The attempt's own text is
/// never included (it hurt in the paper's ablation); a passing sibling, when there is one, is.
/// </summary>
public static class TeacherPrompt
{
    public const string Instruction = "\n\nCorrectly solve the original question.\n";
    private const string FeedbackHeader = "\nThe following is feedback from your unsuccessful earlier attempt:\n\n";
    private const string SolutionHeader = "\nCorrect solution:\n\n";
    private const string TruncationMarker = "\n[...]\n";

    /// <summary>True when the attempt gives the teacher something to learn from; attempts without either get no loss.</summary>
    public static bool HasSignal(string? feedback, string? passingSibling) =>
        !string.IsNullOrWhiteSpace(feedback) || !string.IsNullOrWhiteSpace(passingSibling);

    public static string Build(string prompt, string? feedback, string? passingSibling = null)
    {
        string solution = string.IsNullOrWhiteSpace(passingSibling) ? "" : $"{SolutionHeader}{passingSibling}\n\n";
        string feedbackSection = string.IsNullOrWhiteSpace(feedback) ? "" : $"{FeedbackHeader}{feedback}\n\n";
        return prompt + solution + feedbackSection + Instruction;
    }

    /// <summary>
    /// Builds the context and, when it exceeds <paramref name="maxTokens"/>, shortens the feedback (keeping its
    /// beginning and end, where errors usually say the most) until it fits. The prompt is never cut; when even the
    /// shortest feedback does not fit, there is no context within the limit and the result is null.
    /// </summary>
    public static string? BuildWithin(string prompt, string? feedback, string? passingSibling, int maxTokens, Func<string, int> countTokens)
    {
        string full = Build(prompt, feedback, passingSibling);
        if (countTokens(full) <= maxTokens) return full;
        if (string.IsNullOrEmpty(feedback)) return null;

        int low = 0, high = feedback.Length - 1; // characters of feedback kept
        string? best = null;
        while (low <= high)
        {
            int keep = (low + high) / 2;
            string candidate = Build(prompt, Shorten(feedback, keep), passingSibling);
            if (countTokens(candidate) <= maxTokens)
            {
                best = candidate;
                low = keep + 1;
            }
            else
            {
                high = keep - 1;
            }
        }
        return best;
    }

    /// <summary>The feedback cut to about <paramref name="keep"/> characters: two thirds from the start, one from the end.</summary>
    public static string Shorten(string feedback, int keep)
    {
        if (keep >= feedback.Length) return feedback;
        int head = keep * 2 / 3;
        int tail = keep - head;
        return feedback[..head] + TruncationMarker + feedback[^tail..];
    }
}
