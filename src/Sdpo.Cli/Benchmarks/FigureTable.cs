namespace Sdpo.Cli.Benchmarks;

/// <summary>Benchmark figures printed as a Markdown table (plain text, so it pastes into docs/benchmarks.md as is).</summary>
public sealed class FigureTable(string title)
{
    private readonly List<(string Figure, string Value, string Target)> _rows = [];

    public void Add(string figure, string value, string target = "") => _rows.Add((figure, value, target));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| figure | value | target |");
        Console.WriteLine("|---|---|---|");
        foreach (var (figure, value, target) in _rows) Console.WriteLine($"| {figure} | {value} | {target} |");
        Console.WriteLine();
    }

    /// <summary>"met" / "MISSED" against a target, for the target column.</summary>
    public static string Verdict(bool met, string target) => $"{target}: {(met ? "met" : "MISSED")}";
}
