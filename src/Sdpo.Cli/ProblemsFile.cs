using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Cli;

/// <summary>A --problems file: JSONL, one arithmetic spec a line; a bad line is an error naming the file and line.</summary>
public static class ProblemsFile
{
    public static IReadOnlyList<ArithmeticPuzzle> Read(string file)
    {
        if (!File.Exists(file)) throw new IOException($"--problems: the file '{file}' does not exist.");
        var puzzles = new List<ArithmeticPuzzle>();
        var lines = File.ReadAllLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                puzzles.Add(ArithmeticPuzzle.FromJson(lines[i]));
            }
            catch (InvalidArithmeticPuzzleException ex)
            {
                throw new ArgumentException($"--problems: {file} line {i + 1}: {ex.Message}", ex);
            }
        }
        return puzzles.Count > 0 ? puzzles : throw new ArgumentException($"--problems: {file} holds no problems.");
    }
}
