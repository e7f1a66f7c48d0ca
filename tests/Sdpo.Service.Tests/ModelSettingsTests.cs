using Microsoft.Extensions.DependencyInjection;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>The Models settings are checked at start: a mistake ends the start with one line naming the setting, its value
/// and what it may be, and exit code 1.</summary>
public sealed class ModelSettingsTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    /// <summary>The repository's appsettings.json (its Models:0 the embedded arithmetic model, marked Default) and <paramref name="models"/>.</summary>
    private string[] Args(params string[] models) =>
    [
        "--urls", "http://127.0.0.1:0", "--Service:DataFolder", _data.Path, "--Service:LoadModelsAtStart", "false",
        "--Logging:LogLevel:Default", "Warning", .. models,
    ];

    [Theory]
    // Aborted the process (exit code 134) with "Model names must be unique." and a stack trace, not naming the name.
    [InlineData("Models:1:Name is 'arithmetic', as is Models:0:Name; model names must be unique.",
        "--Models:1:Name", "arithmetic", "--Models:1:Path", "/models/other")]
    [InlineData("Models:0:Dtype is 'fp8'; it must be float32, bfloat16 or float16.", "--Models:0:Dtype", "fp8")]
    // Not checked: the model failed to load with "Requested value 'GPU' was not found."
    [InlineData("Models:0:Device is 'gpu'; it must be cpu, cuda or cuda:N", "--Models:0:Device", "gpu")]
    [InlineData("Models:1:Path is empty; give the model's checkpoint folder.", "--Models:1:Name", "other", "--Models:1:Path", "")]
    [InlineData("Models:1:Threads is 0; where given, it must be at least 1.", "--Models:1:Name", "other", "--Models:1:Path", "/models/other", "--Models:1:Threads", "0")]
    // Accepted silently, the first one marked winning: requests without "model" went to the embedded model.
    [InlineData("Models:0 ('arithmetic') and Models:1 ('other') are marked Default, and only one may be. To make another model the default, set the embedded model's Models:0:Default to false.",
        "--Models:1:Name", "other", "--Models:1:Path", "/models/other", "--Models:1:Default", "true")]
    public async Task A_bad_model_setting_stops_the_start_with_one_line_naming_it(string message, params string[] models)
    {
        await using var app = ProgramApp.Build(Args(models));

        var error = await Assert.ThrowsAsync<ServiceSettingsException>(() => app.StartAsync());
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null(error.StackTrace);
    }

    [Theory]
    // The binder skipped the entry silently: the service started without the model, and failed its interrupted runs.
    [InlineData("Models:1:Threads is 'two'; it must be a whole number.",
        "--Models:1:Name", "other", "--Models:1:Path", "/models/other", "--Models:1:Threads", "two")]
    [InlineData("Models:0:Default is 'yes'; it must be true or false.", "--Models:0:Default", "yes")]
    // Each aborted the process (exit code 134) with the binder's stack trace.
    [InlineData("Service:QueueCapacity is 'abc'; it must be a whole number.", "--Service:QueueCapacity", "abc")]
    [InlineData("Service:KeepAliveSeconds is 'fast'; it must be a number", "--Service:KeepAliveSeconds", "fast")]
    [InlineData("Service:LoadModelsAtStart is 'maybe'; it must be true or false.", "--Service:LoadModelsAtStart", "maybe")]
    [InlineData("Verifiers:Python:MaxConcurrency is 'many'; it must be a whole number.", "--Verifiers:Python:MaxConcurrency", "many")]
    [InlineData("Verifiers:Python:UseBubblewrap is 'perhaps'; it must be true or false.", "--Verifiers:Python:UseBubblewrap", "perhaps")]
    [InlineData("Benchmarks:MaxSeeds is 'x'; it must be a whole number.", "--Benchmarks:MaxSeeds", "x")]
    // Passed the check, then the sandbox refused it with an ArgumentException and its stack trace (exit code 134).
    [InlineData("Verifiers:Python:TmpSizeBytes must be at least 1 MiB", "--Verifiers:Python:TmpSizeBytes", "-1")]
    [InlineData("Verifiers:Python:ProcessLimit must be at least 4", "--Verifiers:Python:ProcessLimit", "2")]
    public async Task A_setting_that_does_not_parse_stops_the_start_with_one_line_naming_it(string message, params string[] settings)
    {
        await using var app = ProgramApp.Build(Args(settings));

        var error = await Assert.ThrowsAsync<ServiceSettingsException>(() => app.StartAsync());
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_value_that_does_not_parse_exits_with_code_1_and_one_line()
    {
        var (exitCode, text) = await ServiceProcess.RunAsync(_data.Path, Args("--Service:QueueCapacity", "abc"));

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{text}");
        Assert.Contains("Service:QueueCapacity is 'abc'; it must be a whole number.", text);
        Assert.DoesNotContain("Unhandled exception", text);
        Assert.DoesNotContain("   at ", text);
    }

    [Fact]
    public async Task The_service_exits_with_code_1_and_the_setting_not_an_abort()
    {
        var (exitCode, text) = await ServiceProcess.RunAsync(_data.Path, Args("--Models:1:Name", "arithmetic", "--Models:1:Path", "/models/other"));

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{text}");
        Assert.Contains("Models:1:Name is 'arithmetic', as is Models:0:Name", text);
        Assert.DoesNotContain("Unhandled exception", text);
        Assert.DoesNotContain("   at ", text);
    }

    [Theory]
    [InlineData("arithmetic", "--Models:0:Default", "false")] // none marked: the first
    [InlineData("other", "--Models:0:Default", "false", "--Models:1:Default", "true")]
    public void The_default_model_is_the_one_marked_or_else_the_first(string expected, params string[] defaults)
    {
        using var app = ProgramApp.Build(Args(["--Models:1:Name", "other", "--Models:1:Path", "/models/other", .. defaults]));

        var provider = app.Services.GetRequiredService<IEngineProvider>();
        Assert.Equal(expected, provider.Find(null)?.Name);
        Assert.Equal([expected], provider.Models.Where(m => m.IsDefault).Select(m => m.Name));
    }
}
