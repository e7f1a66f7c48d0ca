using Sdpo.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("sdpo");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train the embedded arithmetic model from scratch.");
});
return await app.RunAsync(args);
