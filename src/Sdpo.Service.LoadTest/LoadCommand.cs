namespace Sdpo.Service.LoadTest;

/// <summary>
/// <c>dotnet run --project src/Sdpo.Service.LoadTest -c Release [-- --submissions 200 --clients 20 --subscribers 50 ...]</c>:
/// runs the bounded loopback load, prints its figures as a Markdown row, and exits 0 only when no run was lost,
/// every run ended final and every subscriber saw its whole run.
/// </summary>
public static class LoadCommand
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var report = await ServiceLoadRunner.RunAsync(options, Console.Out);
        Console.WriteLine();
        Console.Write(report.ToMarkdown());
        Console.WriteLine();
        foreach (var problem in report.Problems.Take(20)) Console.WriteLine($"PROBLEM: {problem}");
        Console.WriteLine(report.Passed ? "PASS: no run lost, every run final, every stream complete." : $"FAIL: {report.Problems.Count} problems.");
        return report.Passed ? 0 : 1;
    }
}
