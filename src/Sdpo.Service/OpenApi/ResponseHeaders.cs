using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>Endpoint metadata: a header the endpoint's <paramref name="Status"/> answer carries, which clients are told to use.</summary>
public sealed record DocumentedResponseHeader(int Status, string Name, string Description, JsonSchemaType Type, string? Format = null);

public static class ResponseHeaders
{
    /// <summary>The resource's URL in <c>Location</c> on the <paramref name="statuses"/> answers.</summary>
    public static TBuilder WithLocation<TBuilder>(this TBuilder builder, string description, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
            builder.WithMetadata(new DocumentedResponseHeader(status, "Location", description, JsonSchemaType.String, "uri-reference"));
        return builder;
    }

    /// <summary><c>Retry-After</c>, in seconds, on the <paramref name="statuses"/> answers (429, 503).</summary>
    public static TBuilder WithRetryAfter<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
            builder.WithMetadata(new DocumentedResponseHeader(status, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer, "int32"));
        return builder;
    }
}

/// <summary>Writes each <see cref="DocumentedResponseHeader"/> of an endpoint into its operation's response; fails the
/// document where the response is not declared, so a header cannot be documented on an answer that does not exist.</summary>
public sealed class ResponseHeaderOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var header in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<DocumentedResponseHeader>())
        {
            var key = header.Status.ToString();
            if (operation.Responses?.TryGetValue(key, out var response) != true || response is not OpenApiResponse concrete)
                throw new InvalidOperationException($"{context.ApiDescription.HttpMethod} {context.ApiDescription.RelativePath} documents {header.Name} on a {key} it does not declare.");
            concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
            concrete.Headers[header.Name] = new OpenApiHeader
            {
                Description = header.Description,
                Schema = new OpenApiSchema { Type = header.Type, Format = header.Format },
            };
        }
    }
}
