using Sdpo.Cli;
using Sdpo.Engine.Runtime;
using Spectre.Console.Cli;

NativeAllocatorTuning.Apply(); // before LibTorch allocates: pretraining and evaluation use no device thread
var app = new CommandApp();
app.Configure(CliCommands.Register);
return await app.RunAsync(args);
