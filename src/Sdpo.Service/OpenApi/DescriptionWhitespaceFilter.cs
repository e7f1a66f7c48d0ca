using System.Text.RegularExpressions;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// Joins the lines of every description and summary into running text. XML comments whose text starts on the
/// <c>summary</c> line keep their source indentation ("\n            ") through the generator, and multi-line string
/// literals break lines where the source does; a line break within a paragraph becomes a space, and a blank line
/// between paragraphs stays one.
/// </summary>
public sealed partial class DescriptionWhitespaceFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var seen = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        if (swaggerDoc.Info is { } info) info.Description = Normalize(info.Description);
        foreach (var schema in Each(swaggerDoc.Components?.Schemas?.Values)) Visit(schema, seen);
        foreach (var response in Each(swaggerDoc.Components?.Responses?.Values)) Visit(response, seen);
        foreach (var path in Each(swaggerDoc.Paths?.Values))
        {
            if (path is OpenApiPathItem item)
            {
                item.Summary = Normalize(item.Summary);
                item.Description = Normalize(item.Description);
            }
            foreach (var operation in Each(path.Operations?.Values))
            {
                operation.Summary = Normalize(operation.Summary);
                operation.Description = Normalize(operation.Description);
                foreach (var parameter in Each(operation.Parameters))
                {
                    if (parameter is OpenApiParameter concrete) concrete.Description = Normalize(concrete.Description);
                    Visit(parameter.Schema, seen);
                }
                if (operation.RequestBody is OpenApiRequestBody body)
                {
                    body.Description = Normalize(body.Description);
                    foreach (var media in Each(body.Content?.Values)) Visit(media.Schema, seen);
                }
                foreach (var response in Each(operation.Responses?.Values)) Visit(response, seen);
            }
        }
    }

    private static IEnumerable<T> Each<T>(IEnumerable<T>? items) => items ?? [];

    private static void Visit(IOpenApiResponse? response, HashSet<IOpenApiSchema> seen)
    {
        if (response is OpenApiResponse concrete) concrete.Description = Normalize(concrete.Description);
        foreach (var media in Each(response?.Content?.Values)) Visit(media.Schema, seen);
    }

    private static void Visit(IOpenApiSchema? schema, HashSet<IOpenApiSchema> seen)
    {
        // A reference's target is visited among the components.
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete)) return;
        concrete.Description = Normalize(concrete.Description);
        foreach (var property in Each(concrete.Properties?.Values)) Visit(property, seen);
        Visit(concrete.Items, seen);
        Visit(concrete.AdditionalProperties, seen);
        foreach (var part in (concrete.AllOf ?? []).Concat(concrete.OneOf ?? []).Concat(concrete.AnyOf ?? [])) Visit(part, seen);
    }

    /// <summary>Each line break with the spaces around it becomes one space; a blank line (a paragraph break) stays.</summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var paragraphs = ParagraphBreak().Split(text.Trim());
        return string.Join("\n\n", paragraphs.Select(paragraph => LineBreak().Replace(paragraph, " ")));
    }

    [GeneratedRegex(@"[ \t]*\r?\n[ \t]*\r?\n\s*")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"[ \t]*\r?\n[ \t]*")]
    private static partial Regex LineBreak();
}
