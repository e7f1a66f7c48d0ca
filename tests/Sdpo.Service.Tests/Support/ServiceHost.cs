using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Service.Engines;

namespace Sdpo.Service.Tests.Support;

/// <summary>The service in memory with a real SQLite file in a data folder of its own, and either a fake engine or,
/// without one, the models its settings configure (loaded by the real engine).</summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    public ServiceHost(TestDataFolder data, FakeDiscoveryEngine? engine, IReadOnlyDictionary<string, string>? settings = null,
        string modelName = "fake-model", Action<IServiceCollection>? services = null)
    {
        Engine = engine;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Service:DataFolder", data.Path);
            web.UseSetting("Service:KeepAliveSeconds", "0.1");
            web.UseSetting("Service:MaxRequestBodyBytes", "4096");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>()) web.UseSetting(key, value);
            web.ConfigureTestServices(collection =>
            {
                if (engine is not null) collection.AddSingleton<IEngineProvider>(new FakeEngineProvider(engine, modelName));
                services?.Invoke(collection);
            });
        });
        Client = _factory.CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(30);
    }

    public FakeDiscoveryEngine? Engine { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _factory.Services;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}

/// <summary>A temporary data folder, removed with its SQLite files at the end of a test.</summary>
public sealed class TestDataFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sdpo-service-test-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a late handle; the temp folder is cleaned eventually */ }
    }
}
