using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Service.Configuration;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>Tests that change the process's environment run alone.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public sealed class ListeningAddressTests : IDisposable
{
    private const string UrlsVariable = "ASPNETCORE_URLS";
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("--urls")]
    public async Task The_service_listens_where_ASPNETCORE_URLS_or_the_urls_argument_says(string how)
    {
        string[] args = ["--Service:DataFolder", _data.Path, "--Service:LoadModelsAtStart", "false", "--Logging:LogLevel:Default", "Warning"];
        var previous = Environment.GetEnvironmentVariable(UrlsVariable);
        try
        {
            if (how == UrlsVariable) Environment.SetEnvironmentVariable(UrlsVariable, "http://127.0.0.1:0");
            else args = [.. args, "--urls", "http://127.0.0.1:0"];
            await using var app = ProgramApp.Build(args);
            await app.StartAsync();
            try
            {
                var address = Assert.Single(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses);
                Assert.StartsWith("http://127.0.0.1:", address);
                using var client = new HttpClient { BaseAddress = new Uri(address) };
                (await client.GetAsync("/models")).EnsureSuccessStatusCode();
            }
            finally
            {
                await app.StopAsync();
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(UrlsVariable, previous);
        }
    }

    [Fact]
    public void The_settings_file_leaves_the_address_to_Kestrels_default_so_the_environment_can_set_it()
    {
        // appsettings.json is read after ASPNETCORE_URLS: a Urls key there would override it.
        var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RootAppSettings.Find(AppContext.BaseDirectory)!)).RootElement;
        Assert.DoesNotContain(settings.EnumerateObject(), p => p.Name.Equals("Urls", StringComparison.OrdinalIgnoreCase));
    }
}
