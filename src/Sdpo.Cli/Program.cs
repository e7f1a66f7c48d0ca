using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config => config.SetApplicationName("sdpo"));
return await app.RunAsync(args);
