using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Sdpo.Service.Api;

/// <summary>
/// A body of a content type the endpoint does not take (<c>curl -d</c> without a content-type header sends
/// application/x-www-form-urlencoded) is answered 415 problem+json saying which content types the endpoint takes
/// (also as <c>contentTypes</c>) and how to send JSON, instead of routing's bare 415.
/// </summary>
public static class UnsupportedMediaTypeProblems
{
    /// <summary>The display name of the endpoint routing selects when every endpoint of the path refuses the request's
    /// content type (their <see cref="IAcceptsMetadata"/>); it answers 415 with no body.</summary>
    public const string RejectionEndpointName = "415 HTTP Unsupported Media Type";

    public static IApplicationBuilder UseUnsupportedMediaTypeProblems(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is { DisplayName: RejectionEndpointName })
            {
                await WriteAsync(context);
                return;
            }
            await next(context);
        });

    private static Task WriteAsync(HttpContext context)
    {
        var request = context.Request;
        var types = AcceptedContentTypes(context);
        var sent = string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{request.ContentType}'";
        var takes = types.Count == 0 ? "another content type" : string.Join(", ", types);
        var detail = $"{request.Method} {request.Path} takes {takes}; the request's Content-Type is {sent}. " +
                     "Send a JSON body with the header Content-Type: application/json (curl: -H 'content-type: application/json'; " +
                     "-d without it sends application/x-www-form-urlencoded).";
        return TypedResults.Problem(title: "Unsupported Media Type", detail: detail, statusCode: StatusCodes.Status415UnsupportedMediaType,
            extensions: new Dictionary<string, object?> { ["contentTypes"] = types }).ExecuteAsync(context);
    }

    /// <summary>The content types the endpoints of the request's method and path take, in their declared order.</summary>
    public static IReadOnlyList<string> AcceptedContentTypes(HttpContext context)
    {
        var request = context.Request;
        var types = new List<string>();
        foreach (var endpoint in context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { ContentTypes.Count: > 0 } accepts) continue;
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 } methods
                && !methods.HttpMethods.Contains(request.Method, StringComparer.OrdinalIgnoreCase)) continue;
            var matcher = new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary());
            if (!matcher.TryMatch(request.Path, new RouteValueDictionary())) continue;
            types.AddRange(accepts.ContentTypes.Where(type => !types.Contains(type, StringComparer.OrdinalIgnoreCase)));
        }
        return types;
    }
}
