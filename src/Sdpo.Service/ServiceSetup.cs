using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sdpo.Service.Api;
using Sdpo.Service.Benchmarks;
using Sdpo.Service.Configuration;
using Sdpo.Service.Engines;
using Sdpo.Service.Execution;
using Sdpo.Service.Gate;
using Sdpo.Service.Metrics;
using Sdpo.Service.OpenApi;
using Sdpo.Service.Persistence;
using Sdpo.Service.Problems;
using Sdpo.Verifiers;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;

namespace Sdpo.Service;

/// <summary>Registration of the service's parts and endpoints.</summary>
public static class ServiceSetup
{
    public static WebApplicationBuilder AddSdpoService(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddRootAppSettings(builder.Environment.ContentRootPath);
        var services = builder.Services;

        services.AddOptions<ServiceOptions>().BindConfiguration(ServiceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelCatalogOptions>()
            .Configure<IConfiguration>((catalog, configuration) => ModelCatalogOptions.Bind(configuration.GetSection(ModelOptions.SectionName), catalog))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelCatalogOptions>, ModelCatalogOptionsValidation>();

        services.AddSingleton<DataPaths>();
        services.AddSingleton<DataFolderLock>();
        services.AddDbContextFactory<SdpoDbContext>((provider, options) =>
            options.UseSqlite($"Data Source={provider.GetRequiredService<DataPaths>().DatabaseFile}"));

        // One sandbox (its concurrency slots and sandbox users) and one webhook client (its connection pool and
        // circuits) serve every run; the container disposes them at shutdown.
        services.AddOptions<PythonVerifierOptions>().BindConfiguration(PythonVerifierOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PythonVerifierOptions>, PythonVerifierOptionsValidation>();
        services.AddOptions<HttpVerifierOptions>().BindConfiguration(HttpVerifierOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpVerifierOptions>, HttpVerifierOptionsValidation>();
        services.AddSingleton(provider => new PythonSandbox(
            provider.GetRequiredService<IOptions<PythonVerifierOptions>>().Value, provider.GetRequiredService<ILogger<PythonSandbox>>()));
        services.AddSingleton(provider => new WebhookClient(provider.GetRequiredService<IOptions<HttpVerifierOptions>>().Value));
        services.AddSingleton(provider => new VerifierFactory(provider.GetRequiredService<PythonSandbox>(), provider.GetRequiredService<WebhookClient>()));
        services.AddSingleton<IProblemResolver, ProblemSpecResolver>();

        services.AddSingleton<IEngineFactory, TorchEngineFactory>();
        services.AddSingleton<IEngineProvider, ConfiguredEngineProvider>();

        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<RunControl>();
        services.AddSingleton<ParkedRuns>();
        services.AddSingleton<RunQueue>();
        services.AddSingleton<RunActivityLog>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunSubmitter>();
        services.AddSingleton<RunCanceller>();
        services.AddSingleton<RunDeleter>();
        services.AddSingleton<RunEventStream>();
        services.AddSingleton<SolveRequestReader>();
        services.AddSingleton<TeacherAdvantageReader>();
        services.AddSingleton<TeacherAdvantageMeter>();

        // Start in this order, stop in the reverse: the workers stop (interrupting runs) before the writer
        // drains, and the writer before the database goes away. The settings are checked first, as the first is built.
        services.AddHostedService<SettingsCheck>();
        services.AddHostedService<DatabaseInitializer>();
        services.AddHostedService<ModelPreloader>();
        services.AddHostedService<OrphanRunFolders>();
        services.AddHostedService<RunRecovery>();
        services.AddSingleton<RunWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<RunWriter>());
        services.AddHostedService<DeviceWorkers>();
        services.AddBenchmarks();
        services.AddHostedService<EndedRunRetention>();
        services.AddHostedService<PythonVerifierProbe>();

        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            RunProblems.FillType(context.ProblemDetails);
            UnmatchedRouteProblems.Describe(context);
        });
        services.ConfigureHttpJsonOptions(options => ServiceJson.Configure(options.SerializerOptions));
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Sdpo.Service",
                Version = "v1",
                Description = "Test-time discovery: post a hard problem with a verifier; the service searches for a passing answer " +
                              "(SDPO on a per-question LoRA adapter, or the best-of-k / multi-turn / self-teacher baselines) and streams every attempt.",
            });
            // C#'s nullable annotations say which fields can be null: a `string?` or `AttemptView?` is nullable in the
            // document (a reference wrapped in allOf, as OpenAPI 3.0 gives $ref no siblings), a `string` is not.
            swagger.SupportNonNullableReferenceTypes();
            swagger.UseAllOfToExtendReferenceSchemas();
            swagger.SchemaFilter<ExampleSchemaFilter>();
            swagger.SchemaFilter<RequestLimitsSchemaFilter>();
            swagger.SchemaFilter<WireValuesSchemaFilter>();
            swagger.OperationFilter<DocumentedParameterOperationFilter>();
            swagger.OperationFilter<ResponseHeaderOperationFilter>();
            swagger.OperationFilter<BenchmarkUploadOperationFilter>();
            swagger.DocumentFilter<ProblemSpecDocumentFilter>();
            // The event streams' schemas set their own required fields, after every other response's are set; their
            // descriptions are then joined as the rest.
            swagger.DocumentFilter<ResponseFieldsRequiredFilter>();
            swagger.DocumentFilter<EventStreamDocumentFilter>();
            swagger.DocumentFilter<DescriptionWhitespaceFilter>();
            var xml = Path.Combine(AppContext.BaseDirectory, "Sdpo.Service.xml");
            if (File.Exists(xml)) swagger.IncludeXmlComments(xml);
        });
        return builder;
    }

    public static WebApplication UseSdpoService(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseUnsupportedMediaTypeProblems();
        app.UseSwagger();
        app.UseSwaggerUI();

        app.MapSolveApi();
        app.MapBenchmarksApi();
        app.MapModelsApi();
        app.MapTeacherAdvantageApi();
        app.MapHealthApi();
        app.MapMetricsApi();
        return app;
    }
}
