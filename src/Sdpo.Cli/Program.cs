using Sdpo.Cli.Commands;
using Sdpo.Engine.Runtime;
using Spectre.Console.Cli;

NativeAllocatorTuning.Apply(); // before LibTorch allocates: pretraining and evaluation use no device thread
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("sdpo");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train the embedded arithmetic model from scratch.");
    config.AddCommand<EvalCommand>("eval").WithDescription("Measure an arithmetic model: pass@k by tier, hard puzzles, teacher advantage.");
    config.AddCommand<SolveCommand>("solve").WithDescription("Search for a passing answer to one arithmetic puzzle, showing every attempt.");
    config.AddCommand<ProbeCommand>("probe").WithDescription("How much each SDPO update raises the probability of hard puzzles' known solutions.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Benchmark methods on a problem set or suite: results.json, plot.png and plot.svg.");
    config.AddCommand<BenchEngineCommand>("bench-engine").WithDescription("Sampling and LoRA-step throughput, KV-cache speed-up, memory over many steps.");
    config.AddCommand<BenchDiscoveryCommand>("bench-discovery").WithDescription("Wall time per attempt of SDPO against best-of-k, its split, memory over a long run.");
    config.AddCommand<BenchVerifiersCommand>("bench-verifiers").WithDescription("Python verifications per second on HumanEval, sandboxed and not.");
});
return await app.RunAsync(args);
