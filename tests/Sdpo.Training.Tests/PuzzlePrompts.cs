using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Training.Tests;

/// <summary>Reads the puzzle back from a context that starts with its rendered prompt ("Numbers: …\nTarget: …").</summary>
internal static class PuzzlePrompts
{
    public static ArithmeticPuzzle Parse(string context)
    {
        var lines = context.Split('\n');
        var numbers = lines[0]["Numbers: ".Length..].Split(' ').Select(int.Parse).ToArray();
        return new ArithmeticPuzzle(numbers, int.Parse(lines[1]["Target: ".Length..]));
    }
}
