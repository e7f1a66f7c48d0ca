using Sdpo.Cli.Commands;
using Spectre.Console.Cli;

namespace Sdpo.Cli;

/// <summary>The <c>sdpo</c> command line: its commands, and strict parsing, so that a mistyped option (say --budjet) is
/// an error rather than silently left at its default. The program and the tests configure the app through this.</summary>
public static class CliCommands
{
    public static void Register(IConfigurator config)
    {
        config.SetApplicationName("sdpo");
        config.UseStrictParsing();
        config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train the embedded arithmetic model from scratch.");
        config.AddCommand<EvalCommand>("eval").WithDescription("Measure an arithmetic model: pass@k by tier, hard puzzles, teacher advantage.");
        config.AddCommand<SolveCommand>("solve").WithDescription("Search for a passing answer to one arithmetic puzzle, showing every attempt.");
        config.AddCommand<ProbeCommand>("probe").WithDescription("How much each SDPO update raises the probability of hard puzzles' known solutions.");
        config.AddCommand<BenchCommand>("bench").WithDescription("Benchmark methods on a problem set or suite: results.json, plot.png and plot.svg.");
        config.AddCommand<BenchEngineCommand>("bench-engine").WithDescription("Sampling and LoRA-step throughput, KV-cache speed-up, memory over many steps.");
        config.AddCommand<BenchDiscoveryCommand>("bench-discovery").WithDescription("Wall time per attempt of SDPO against best-of-k, its split, memory over a long run.");
        config.AddCommand<BenchVerifiersCommand>("bench-verifiers").WithDescription("Python verifications per second on HumanEval, sandboxed and not.");
    }
}
