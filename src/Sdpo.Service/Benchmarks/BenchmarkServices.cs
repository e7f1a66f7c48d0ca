using Sdpo.Service.Api;

namespace Sdpo.Service.Benchmarks;

public static class BenchmarkServices
{
    /// <summary>The benchmark endpoints' parts. Register after the run workers: the coordinator feeds their queue.</summary>
    public static IServiceCollection AddBenchmarks(this IServiceCollection services)
    {
        services.AddOptions<BenchmarkOptions>().BindConfiguration(BenchmarkOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BenchmarkSignals>();
        services.AddSingleton<BenchmarkRequestReader>();
        services.AddSingleton<BenchmarkSubmitter>();
        services.AddSingleton<BenchmarkCanceller>();
        services.AddSingleton<BenchmarkDeleter>();
        services.AddSingleton<BenchmarkEventStream>();
        services.AddSingleton<BenchmarkGate>();
        services.AddHostedService<BenchmarkCoordinator>();
        return services;
    }
}
