using Sdpo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("sdpo");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train the embedded arithmetic model from scratch.");
    config.AddCommand<EvalCommand>("eval").WithDescription("Measure an arithmetic model: pass@k by tier, hard puzzles, teacher advantage.");
    config.AddCommand<SolveCommand>("solve").WithDescription("Search for a passing answer to one arithmetic puzzle, showing every attempt.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Benchmark methods on a problem set or suite: results.json, plot.png and plot.svg.");
});
return await app.RunAsync(args);
