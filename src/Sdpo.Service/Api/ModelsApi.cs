using Sdpo.Service.Engines;

namespace Sdpo.Service.Api;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/models", (IEngineProvider engines) =>
                TypedResults.Ok<IReadOnlyList<ModelView>>(engines.Models.Select(m => ModelView.From(m, engines.Availability(m))).ToList()))
            .WithTags("Service")
            .WithName("Models")
            .WithSummary("The configured models and whether each is loaded; requests name one with \"model\", or get the default");
        return app;
    }
}
