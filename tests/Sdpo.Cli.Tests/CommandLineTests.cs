using Sdpo.TestSupport;

namespace Sdpo.Cli.Tests;

/// <summary>What every command does with a command line it cannot run: a clear message, exit code 2, nothing started.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CommandLineTests : IDisposable
{
    /// <summary>Stands for an output folder in the cases' arguments; nothing may be written there.</summary>
    private const string Out = "{output}";
    /// <summary>Stands for a model folder whose config.json is cut off, beside the embedded model's tokenizer.</summary>
    private const string BrokenModel = "{broken-model}";
    /// <summary>Stands for a JSONL file of one solvable puzzle.</summary>
    private const string Problems = "{problems}";
    private readonly string _output = Directory.CreateTempSubdirectory("sdpo-cli-").FullName;
    private readonly TemporaryFolder _inputs = new();

    public void Dispose()
    {
        Directory.Delete(_output, recursive: true);
        _inputs.Dispose();
    }

    private string[] Resolve(IEnumerable<string> args) => [.. args.Select(a => a switch
    {
        Out => _output,
        BrokenModel => BrokenModelFolder(),
        Problems => _inputs.Write("problems.jsonl", """{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}""" + "\n"),
        _ => a,
    })];

    /// <summary>Without white space and quotes: Spectre wraps a long path where it likes, keeping or dropping the space.</summary>
    private static string Squeezed(string text) => new([.. text.Where(c => !char.IsWhiteSpace(c) && c != '\'')]);

    private string BrokenModelFolder()
    {
        var folder = Directory.CreateDirectory(_inputs.File("broken-model")).FullName;
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(Checkout.EmbeddedModel, file), Path.Combine(folder, file), overwrite: true);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"architectures": ["Qwen3ForCausalLM"], "vocab_size": """);
        return folder;
    }

    [Theory]
    [InlineData("0", "solve", "--numbers", "1,1,2", "--target", "97")]
    [InlineData("-1", "eval", "--per-tier", "1", "--samples", "1", "-o", Out)]
    [InlineData("0", "bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2", "--methods", "best-of-k", "-o", Out)]
    [InlineData("0", "probe", "--problems", "no-such.jsonl", "-o", Out)]
    [InlineData("0", "pretrain", "--quick", "--steps", "1", "-o", Out)]
    [InlineData("0", "bench-discovery", "--attempts", "1", "--rounds", "1", "--memory-attempts", "0")]
    [InlineData("0", "bench-engine", "--only", "qwen3-random", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32", "--vocab", "50")]
    public async Task AThreadCountBelowOneIsRefusedBeforeTorchSeesIt(string threads, params string[] args)
    {
        // LibTorch aborts the whole process on it, with a native stack trace and exit code 134.
        var (exitCode, output) = await CliRunner.RunAsync([.. args.Select(a => a == Out ? _output : a), "--threads", threads]);

        Assert.True(exitCode == 2, output);
        Assert.Contains("--threads must be at least 1", output);
        Assert.Empty(Directory.GetFileSystemEntries(_output));
    }

    [Theory]
    [InlineData("--target expects an integer, got 'abc'.", "solve", "--numbers", "1,1,2", "--target", "abc")]
    [InlineData("--target expects an integer, got 'abc'.", "solve", "--numbers", "1,1,2", "--target=abc")]
    [InlineData("--threads expects an integer, got 'x'.", "solve", "--numbers", "1,1,2", "--target", "3", "--threads", "x")]
    [InlineData("--temperature expects a number, got 'warm'.", "solve", "--numbers", "1,1,2", "--target", "3", "--temperature", "warm")]
    [InlineData("--chains expects an integer, got 'x'.", "bench", "--suite", "arithmetic-rare", "--chains", "x")]
    [InlineData("--keep expects an integer, and no value was given.", "bench", "--suite", "arithmetic-rare", "--select-hard", "0.5", "--keep")]
    [InlineData("--keep expects an integer, and no value was given.", "bench", "--keep", "--suite", "arithmetic-rare")]
    [InlineData("--pass-k expects an integer, got '1.5'.", "bench", "--suite", "arithmetic-rare", "--pass-k", "1.5")]
    [InlineData("--steps expects an integer, got 'x'.", "pretrain", "--quick", "--steps", "x")]
    public async Task ANumberOptionThatDoesNotParseIsNamedWithTheTypeItExpects(string message, params string[] args)
    {
        // Spectre named the type alone, and for an optional number that was "Nullable`1".
        var (exitCode, output) = await CliRunner.RunAsync(args);

        Assert.True(exitCode != 0, output);
        Assert.Contains(message, output.ReplaceLineEndings(" "));
        Assert.DoesNotContain("Nullable", output);
    }

    [Theory]
    [InlineData("solve", "--numbers", "1,1,2", "--target", "97", "--device", "banana")]
    [InlineData("bench", "--suite", "arithmetic-rare", "--count", "1", "--device", "cuda:x")]
    public async Task AnUnknownDeviceIsRefusedListingTheAcceptedForms(params string[] args)
    {
        // Checked only when the model loaded, it came out as "Requested value 'BANANA' was not found."
        var (exitCode, output) = await CliRunner.RunAsync([.. args, "--model", Checkout.EmbeddedModel]);

        Assert.True(exitCode != 0, output);
        Assert.Contains("--device must be cpu, cuda or cuda:N", output.ReplaceLineEndings(" "));
        Assert.DoesNotContain("attempts", output); // nothing ran
    }

    [Theory]
    [InlineData("--budget must be between 1 and 100000; got -1.", "solve", "--numbers", "1,1,2", "--target", "97", "--budget", "-1")]
    [InlineData("--budget must be between 1 and 100000; got 100001.", "solve", "--numbers", "1,1,2", "--target", "97", "--budget", "100001")]
    [InlineData("-g/--group must be between 1 and 256; got 0.", "solve", "--numbers", "1,1,2", "--target", "97", "-g", "0")]
    [InlineData("--chains must be between 1 and the group size (8); got 9.", "solve", "--numbers", "1,1,2", "--target", "97", "--chains", "9")]
    [InlineData("--temperature must be in (0, 10]; got 0.", "solve", "--numbers", "1,1,2", "--target", "97", "--temperature", "0")]
    [InlineData("--temperature must be in (0, 10]; got 10.5.", "solve", "--numbers", "1,1,2", "--target", "97", "--temperature", "10.5")]
    [InlineData("--budget must be between 1 and 100000; got 0.", "bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "0", "-o", Out)]
    [InlineData("-g/--group must be between 1 and 256; got 300.", "bench", "--suite", "arithmetic-rare", "--count", "1", "-g", "300", "-o", Out)]
    [InlineData("--temperature must be in (0, 10]; got -1.", "bench", "--suite", "arithmetic-rare", "--count", "1", "--temperature", "-1", "-o", Out)]
    [InlineData("--temperature must be in (0, 10]; got 0.", "eval", "--per-tier", "1", "--samples", "1", "--temperature", "0", "-o", Out)]
    [InlineData("-g/--group must be between 1 and 256; got 300.", "probe", "--problems", "no-such.jsonl", "-g", "300", "-o", Out)]
    [InlineData("--attempts-per-step must be between 1 and 256; got 300.", "bench-discovery", "--attempts", "1", "--rounds", "1", "--memory-attempts", "0", "--attempts-per-step", "300")]
    [InlineData("--max-new-tokens must be between 1 and 4096; got 5000.", "bench-discovery", "--attempts", "1", "--rounds", "1", "--memory-attempts", "0", "--max-new-tokens", "5000")]
    [InlineData("--attempts must be between 1 and 100000; got 100001.", "bench-discovery", "--attempts", "100001", "--rounds", "1", "--memory-attempts", "0")]
    public async Task AValueOutOfRangeIsNamedByItsFlagWithoutDotNetsParameterNote(string message, params string[] args)
    {
        // The engine's check named the request's field, with .NET's note: "budget.maxAttempts must be between 1 and 100000.
        // (Parameter 'MaxAttempts') Actual value was -1."; bench-discovery loaded the model and failed its first run (exit 1).
        var (exitCode, standardOutput, standardError) = await CliRunner.RunSplitAsync([.. args.Select(a => a == Out ? _output : a), "--threads", "1"]);

        Assert.True(exitCode == 2, standardOutput + standardError);
        var error = standardError.ReplaceLineEndings(" ");
        Assert.Contains(message, error);
        Assert.DoesNotContain("Parameter", error);
        Assert.DoesNotContain("Actual value", error);
        Assert.DoesNotContain("budget.", error);
        Assert.DoesNotContain("sampling.", error);
        Assert.Empty(Directory.GetFileSystemEntries(_output));
    }

    [Theory]
    [InlineData("solve", "--numbers", "3,5,7", "--target", "22", "--model", BrokenModel)]
    [InlineData("eval", "--per-tier", "1", "--samples", "1", "-m", BrokenModel, "-o", Out)]
    [InlineData("probe", "--problems", Problems, "--seeds", "1", "--updates", "1", "--model", BrokenModel, "-o", Out)]
    [InlineData("bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2", "--methods", "best-of-k", "--model", BrokenModel, "-o", Out)]
    [InlineData("pretrain", "--quick", "--steps", "1", "--init-from", BrokenModel, "-o", Out)]
    public async Task AModelFolderThatDoesNotLoadExitsWithTwoNamingTheFile(params string[] args)
    {
        // README's exit codes: 2 for a missing or malformed model folder. Only a missing one got 2; a malformed one
        // escaped to Spectre's handler, exit code 255, in every command that loads a model.
        var (exitCode, standardOutput, standardError) = await CliRunner.RunSplitAsync([.. Resolve(args), "--threads", "1"]);

        Assert.True(exitCode == 2, standardOutput + standardError);
        Assert.Contains(Squeezed(Path.Combine(_inputs.File("broken-model"), "config.json") + " is not valid JSON"), Squeezed(standardError));
        Assert.Empty(Directory.GetFileSystemEntries(_output));
    }

    [Theory]
    [InlineData("pass@1", "eval", "--per-tier", "1", "--samples", "1")]
    [InlineData("after update", "probe", "--problems", Problems, "--seeds", "1", "--updates", "1")]
    [InlineData("problems ×", "bench", "--suite", "arithmetic-rare", "--count", "1", "--budget", "2", "-g", "2", "--methods", "best-of-k")]
    [InlineData("Training into", "pretrain", "--quick", "--steps", "1")]
    public async Task AnOutputThatIsAFileIsRefusedBeforeAnyWork(string workDone, params string[] args)
    {
        // eval and probe found it only when writing their report, after all their work, and exited 255; pretrain at its
        // first checkpoint, naming <output>/checkpoint rather than the flag.
        var file = _inputs.Write("taken", "");
        var (exitCode, standardOutput, standardError) = await CliRunner.RunSplitAsync([.. Resolve(args), "-o", file, "--threads", "1"]);

        Assert.True(exitCode == 2, standardOutput + standardError);
        Assert.Contains(Squeezed($"-o/--output: '{file}' is a file, not a folder."), Squeezed(standardError));
        Assert.DoesNotContain(workDone, standardOutput + standardError);
    }

    [Theory]
    [InlineData("Unknown option 'budjet'", "solve", "--numbers", "1,1,2", "--target", "97", "--budjet", "256")] // parse errors exited 255
    [InlineData("--target expects an integer", "solve", "--numbers", "1,1,2", "--target", "abc")]
    [InlineData("--seeds must be at least 1", "bench", "--suite", "arithmetic-rare", "--seeds", "0")]
    [InlineData("--problems: the file 'no-such.jsonl' does not exist", "eval", "--problems", "no-such.jsonl")] // eval's exited 1
    [InlineData("--problems: the file 'no-such.jsonl' does not exist", "bench", "--problems", "no-such.jsonl")]
    public async Task ACommandLineThatCannotRunExitsWithTwoAndSaysWhyOnStandardError(string message, params string[] args)
    {
        var (exitCode, standardOutput, standardError) = await CliRunner.RunSplitAsync([.. args, "--threads", "1"]);

        Assert.True(exitCode == 2, standardOutput + standardError);
        Assert.Contains(message, standardError.ReplaceLineEndings(" "));
        Assert.DoesNotContain(message, standardOutput.ReplaceLineEndings(" "));
    }
}
