using Sdpo.Cli;
using Sdpo.Engine.Runtime;
using Spectre.Console.Cli;

NativeAllocatorTuning.Apply(); // before LibTorch allocates: pretraining and evaluation use no device thread
// The first Ctrl+C (or SIGTERM) cancels the commands' token so that they stop cleanly; a second one ends the process.
using var cancellation = new ConsoleCancellation();
var app = new CommandApp();
app.Configure(config => CliCommands.Register(config, args));
return await app.RunAsync(args, cancellation.Token);
