using Sdpo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("sdpo");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train the embedded arithmetic model from scratch.");
    config.AddCommand<EvalCommand>("eval").WithDescription("Measure an arithmetic model: pass@k by tier, hard puzzles, teacher advantage.");
});
return await app.RunAsync(args);
