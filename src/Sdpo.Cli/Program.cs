using Sdpo.Cli;
using Sdpo.Engine.Runtime;
using Spectre.Console.Cli;

NativeAllocatorTuning.Apply(); // before LibTorch allocates: pretraining and evaluation use no device thread
var app = new CommandApp();
app.Configure(config => CliCommands.Register(config, args));
return await app.RunAsync(args);
