namespace Sdpo.Engine.Sdpo;

/// <summary>
/// The multi-turn baseline's context, the paper's "feedback only" variant: the prompt, every earlier feedback of
/// the chain joined by blank lines, then the instruction to solve the original question. When the context is
/// full the oldest feedback goes first.
/// </summary>
public static class MultiTurnPrompt
{
    public static string Build(string prompt, IReadOnlyList<string> feedbackOldestFirst)
    {
        var kept = feedbackOldestFirst.Where(f => !string.IsNullOrWhiteSpace(f)).ToList();
        if (kept.Count == 0) return prompt;
        return prompt + "\n\n" + string.Join("\n\n", kept) + TeacherPrompt.Instruction;
    }

    public static string BuildWithin(string prompt, IReadOnlyList<string> feedbackOldestFirst, int maxTokens, Func<string, int> countTokens)
    {
        for (int skip = 0; skip <= feedbackOldestFirst.Count; skip++)
        {
            var candidate = Build(prompt, feedbackOldestFirst.Skip(skip).ToList());
            if (skip == feedbackOldestFirst.Count || countTokens(candidate) <= maxTokens) return candidate;
        }
        return prompt;
    }
}
