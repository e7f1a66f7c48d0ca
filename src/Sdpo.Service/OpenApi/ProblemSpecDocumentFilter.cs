using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sdpo.Service.Api;
using Sdpo.Service.Problems;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sdpo.Service.OpenApi;

/// <summary>
/// States the problem spec a request carries as a schema: the requests hold it as raw JSON (it is parsed by
/// <c>ProblemSpecResolver</c> and <c>VerifierSpecParser</c>), so the generator sees nothing in it. <c>ProblemSpec</c> is
/// one of <c>ArithmeticProblem</c> (a built-in kind) and <c>PromptProblem</c> (a prompt and a verifier); <c>VerifierSpec</c>
/// is one of the seven verifier kinds, told apart by <c>kind</c>. Fields, requirements and limits are the parser's, from
/// its constants and the service's configured sandbox caps; the tests hold each kind's fields to the parser's own list.
/// </summary>
public sealed class ProblemSpecDocumentFilter(IOptions<PythonVerifierOptions> python, IOptions<HttpVerifierOptions> http) : IDocumentFilter
{
    public const string ProblemSchema = "ProblemSpec";
    public const string VerifierSchema = "VerifierSpec";

    /// <summary>The verifier kinds and their schemas, in <see cref="VerifierSpecParser.Kinds"/> order.</summary>
    private static readonly (string Kind, string Schema)[] VerifierKinds =
    [
        (ExactSpec.KindName, "ExactVerifier"), (RegexSpec.KindName, "RegexVerifier"), (NumericSpec.KindName, "NumericVerifier"),
        (ArithmeticSpec.KindName, "ArithmeticVerifier"), (PythonSpec.KindName, "PythonVerifier"), (P3Spec.KindName, "P3Verifier"),
        (HttpSpec.KindName, "HttpVerifier"),
    ];

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        if (!VerifierKinds.Select(k => k.Kind).SequenceEqual(VerifierSpecParser.Kinds))
            throw new InvalidOperationException($"The OpenAPI document describes verifier kinds {string.Join(", ", VerifierKinds.Select(k => k.Kind))} " +
                                                $"but the parser knows {string.Join(", ", VerifierSpecParser.Kinds)}.");
        swaggerDoc.Components ??= new OpenApiComponents();
        var schemas = swaggerDoc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        OpenApiSchemaReference Ref(string id) => new(id, swaggerDoc);

        foreach (var (name, schema) in VerifierSchemas()) schemas[name] = schema;
        schemas[VerifierSchema] = new OpenApiSchema
        {
            Description = "How an attempt is checked: one of the verifier kinds, chosen by `kind`. Every field not listed for the kind is refused.",
            OneOf = VerifierKinds.Select(k => (IOpenApiSchema)Ref(k.Schema)).ToList(),
            Discriminator = new OpenApiDiscriminator
            {
                PropertyName = "kind",
                Mapping = VerifierKinds.ToDictionary(k => k.Kind, k => Ref(k.Schema)),
            },
        };
        schemas["ArithmeticProblem"] = WithExample(Schemas.Object(
            "A built-in arithmetic target puzzle: the service renders the prompt the embedded model was trained on and checks that the " +
            "answer uses every number exactly once and reaches the target.",
            ["kind", "numbers", "target"],
            ("kind", Schemas.Constant(ArithmeticPuzzle.KindName, "The built-in kind.")),
            ("numbers", Schemas.IntegerArray($"{ArithmeticPuzzle.MinNumberCount} to {ArithmeticPuzzle.MaxNumberCount} numbers (repeats allowed).",
                ArithmeticPuzzle.MinNumberCount, ArithmeticPuzzle.MaxNumberCount, ArithmeticPuzzle.MinNumber, ArithmeticPuzzle.MaxNumber)),
            ("target", Schemas.Integer("The value the expression must reach.", -ArithmeticPuzzle.MaxAbsoluteTarget, ArithmeticPuzzle.MaxAbsoluteTarget))),
            new { kind = ArithmeticPuzzle.KindName, numbers = new[] { 3, 5, 7 }, target = 22 });
        schemas["PromptProblem"] = WithExample(Schemas.Object(
            "A prompt of your own and the verifier that checks each attempt. No `kind` at this level: a problem with a `kind` is a built-in one.",
            ["prompt", "verifier"],
            ("prompt", Schemas.String("The text the model continues; it must not be empty, and with sampling.maxNewTokens it must fit the model's context.", minLength: 1)),
            ("verifier", Ref(VerifierSchema)),
            ("id", Schemas.String("Your name for the problem, kept with the run and used as its label in benchmarks.", maxLength: ProblemSpecResolver.MaxIdLength))),
            new { prompt = "Is 91 prime? Answer yes or no.", verifier = new { kind = ExactSpec.KindName, answer = "no", caseInsensitive = true }, id = "prime-91" });
        schemas[ProblemSchema] = new OpenApiSchema
        {
            Description = "A problem: a built-in kind (`{\"kind\": \"arithmetic\", \"numbers\": [3, 5, 7], \"target\": 22}`) or a prompt with a " +
                          "verifier (`{\"prompt\": \"...\", \"verifier\": {\"kind\": \"regex\", \"pattern\": \"...\"}, \"id\": \"...\"}`). A bad spec is " +
                          "answered 400 naming the field, such as problem.verifier.pattern.",
            OneOf = [Ref("ArithmeticProblem"), Ref("PromptProblem")],
        };

        // Where the requests carry problems.
        SetProperty(schemas, nameof(SolveRequest), nameof(SolveRequest.Problem), generated => ProblemProperty(Ref(ProblemSchema), generated.Description));
        SetProperty(schemas, nameof(TeacherAdvantageCase), nameof(TeacherAdvantageCase.Problem), generated => ProblemProperty(Ref(ProblemSchema), generated.Description));
        SetProperty(schemas, nameof(BenchmarkRequest), nameof(BenchmarkRequest.Problems), generated => new OpenApiSchema
        {
            Type = JsonSchemaType.Array | JsonSchemaType.Null, Description = generated.Description, Items = Ref(ProblemSchema),
            MinItems = generated.MinItems, MaxItems = generated.MaxItems,
        });
        foreach (var view in new[] { "BenchmarkProblemView" })
        {
            if (schemas.TryGetValue(view, out var schema) && schema is OpenApiSchema { Properties: { } properties } && properties.TryGetValue("spec", out var spec))
                properties["spec"] = ProblemProperty(Ref(ProblemSchema), spec.Description);
        }
    }

    private static IOpenApiSchema ProblemProperty(OpenApiSchemaReference problem, string? description) =>
        new OpenApiSchema { AllOf = [problem], Description = description };

    /// <summary>Replaces a property of a generated schema; fails the document where either is missing, so a rename
    /// cannot leave a problem field untyped.</summary>
    private static void SetProperty(IDictionary<string, IOpenApiSchema> schemas, string schemaName, string propertyName, Func<IOpenApiSchema, IOpenApiSchema> replacement)
    {
        var name = JsonNamingPolicy.CamelCase.ConvertName(propertyName);
        if (!schemas.TryGetValue(schemaName, out var schema) || schema is not OpenApiSchema { Properties: { } properties } || !properties.TryGetValue(name, out var property))
            throw new InvalidOperationException($"The OpenAPI document has no property {schemaName}.{name} to give the problem schema.");
        properties[name] = replacement(property);
    }

    private IEnumerable<(string Name, OpenApiSchema Schema)> VerifierSchemas()
    {
        var caps = python.Value;
        var pythonTimeout = Math.Min(VerifierSpecParser.MaxTimeoutSeconds, caps.MaxTimeoutSeconds);
        var pythonMemory = Math.Min(VerifierSpecParser.MaxMemoryMb, caps.MaxMemoryMb);
        yield return ("ExactVerifier", Verifier(ExactSpec.KindName, "The attempt must equal `answer` after the chosen normalisations.",
            ["answer"], new { kind = ExactSpec.KindName, answer = "42" },
            ("answer", Schemas.String("The expected answer.", maxLength: VerifierSpecParser.MaxAnswerLength)),
            ("trim", Schemas.Boolean("Trim surrounding whitespace from the attempt first.", true)),
            ("caseInsensitive", Schemas.Boolean("Compare ignoring case.", false)),
            ("foldWhitespace", Schemas.Boolean("Treat every run of whitespace as one space.", false))));

        yield return ("RegexVerifier", Verifier(RegexSpec.KindName,
            "The trimmed attempt must match `pattern` (.NET syntax); a pattern that runs away times out rather than hanging the run.",
            ["pattern"], new { kind = RegexSpec.KindName, pattern = "^\\d+$" },
            ("pattern", Schemas.String("The regular expression; an invalid one is answered 400.", maxLength: VerifierSpecParser.MaxPatternLength)),
            ("ignoreCase", Schemas.Boolean("Match ignoring case.", false)),
            ("fullMatch", Schemas.Boolean("The whole trimmed attempt must match, not just a part of it.", true))));

        yield return ("NumericVerifier", Verifier(NumericSpec.KindName,
            "The number in the attempt must be within either tolerance of `answer`. `answer` may also be sent as a numeric string (\"3.5\"); the tolerances are JSON numbers.",
            ["answer"], new { kind = NumericSpec.KindName, answer = 3.14159, absoluteTolerance = 0.001 },
            ("answer", new OpenApiSchema
            {
                Description = "The expected value: a JSON number or a numeric string.",
                OneOf = [new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" }, new OpenApiSchema { Type = JsonSchemaType.String, Pattern = NumericText }],
            }),
            ("absoluteTolerance", WithDefault(Schemas.Number("The largest absolute difference that passes.", minimum: 0), 1e-9)),
            ("relativeTolerance", WithDefault(Schemas.Number("The largest difference relative to the answer that passes.", minimum: 0, maximum: 1), 0))));

        yield return ("ArithmeticVerifier", Verifier(ArithmeticSpec.KindName,
            "The attempt is checked as a built-in arithmetic puzzle's (every number used once, the target reached), but the prompt is yours.",
            ["numbers", "target"], new { kind = ArithmeticSpec.KindName, numbers = new[] { 3, 5, 7 }, target = 22 },
            ("numbers", Schemas.IntegerArray($"{ArithmeticPuzzle.MinNumberCount} to {ArithmeticPuzzle.MaxNumberCount} numbers (repeats allowed).",
                ArithmeticPuzzle.MinNumberCount, ArithmeticPuzzle.MaxNumberCount, ArithmeticPuzzle.MinNumber, ArithmeticPuzzle.MaxNumber)),
            ("target", Schemas.Integer("The value the expression must reach.", -ArithmeticPuzzle.MaxAbsoluteTarget, ArithmeticPuzzle.MaxAbsoluteTarget))));

        yield return ("PythonVerifier", Verifier(PythonSpec.KindName,
            "The attempt is Python code (a Markdown fence is unwrapped), run against `tests` in the sandbox.",
            ["tests"], new { kind = PythonSpec.KindName, tests = "assert is_prime(7)\nassert not is_prime(9)", timeoutSeconds = 5 },
            ("tests", Schemas.String("Top-level asserts, or a HumanEval-style `check(candidate)` called with the function named by `entryPoint`; must not be empty.",
                maxLength: VerifierSpecParser.MaxCodeLength, minLength: 1)),
            ("entryPoint", new OpenApiSchema
            {
                Type = JsonSchemaType.String, MaxLength = VerifierSpecParser.MaxEntryPointLength, Pattern = "^[A-Za-z_][A-Za-z0-9_]*$",
                Description = "The function `check(candidate)` is called with: a Python identifier, not a keyword (`class`, `None`).",
            }),
            ("prefix", Schemas.String("Code put before the attempt (for completion-style tasks whose prompt holds the signature).", maxLength: VerifierSpecParser.MaxCodeLength)),
            ("timeoutSeconds", Schemas.Number($"The time limit of one verification; {PythonVerifierOptions.SectionName}:TimeoutSeconds ({caps.TimeoutSeconds}) when left out. " +
                $"At most the service's {PythonVerifierOptions.SectionName}:MaxTimeoutSeconds.", VerifierSpecParser.MinTimeoutSeconds, pythonTimeout)),
            ("memoryMb", Schemas.Integer($"The memory limit in MB; {PythonVerifierOptions.SectionName}:MemoryMb ({caps.MemoryMb}) when left out. " +
                $"At most the service's {PythonVerifierOptions.SectionName}:MaxMemoryMb.", VerifierSpecParser.MinMemoryMb, pythonMemory))));

        yield return ("P3Verifier", Verifier(P3Spec.KindName,
            "A Python Programming Puzzle: the attempt is an answer expression or a `def sol()`; it passes when `sat(answer)` returns True.",
            ["sat"], new { kind = P3Spec.KindName, sat = "def sat(x: int): return x * x == 49", answerType = "int" },
            ("sat", Schemas.String("The puzzle, `def sat(x): ...`.", maxLength: VerifierSpecParser.MaxCodeLength)),
            ("answerType", Schemas.String("The answer's type, such as List[int], checked first.", maxLength: VerifierSpecParser.MaxAnswerTypeLength)),
            ("timeoutSeconds", Schemas.Number($"The time limit of one verification; {PythonVerifierOptions.SectionName}:TimeoutSeconds ({caps.TimeoutSeconds}) when left out. " +
                $"At most the service's {PythonVerifierOptions.SectionName}:MaxTimeoutSeconds.", VerifierSpecParser.MinTimeoutSeconds, pythonTimeout))));

        yield return ("HttpVerifier", Verifier(HttpSpec.KindName,
            "A webhook: each attempt is POSTed as {\"problem\": {\"prompt\", \"id\"}, \"attempt\": {\"text\", \"index\"}}, and the answer " +
            "{\"passed\": bool, \"feedback\": string, \"status\": string} is the verdict. Unless the service allows private networks, the host must " +
            "be public; an address literal outside the public ranges is answered 400.",
            ["url"], new { kind = HttpSpec.KindName, url = "https://verifier.example.com/check" },
            ("url", new OpenApiSchema
            {
                Type = JsonSchemaType.String, Format = "uri", MaxLength = VerifierSpecParser.MaxUrlLength, Pattern = "^[Hh][Tt][Tt][Pp][Ss]?://",
                Description = "An absolute http or https URL, without user credentials.",
            }),
            ("timeoutSeconds", Schemas.Number($"The limit of one call; {HttpVerifierOptions.SectionName}:AttemptTimeoutSeconds ({http.Value.AttemptTimeoutSeconds}) " +
                $"when left out. Lowered to {HttpVerifierOptions.SectionName}:TotalTimeoutSeconds ({http.Value.TotalTimeoutSeconds}), which bounds the whole verification.",
                VerifierSpecParser.MinTimeoutSeconds, VerifierSpecParser.MaxTimeoutSeconds))));
    }

    /// <summary>A number as the parser reads one from a string (invariant culture, a sign, a fraction, an exponent).</summary>
    private const string NumericText = @"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$";

    /// <summary>A verifier kind's schema. The parser reads a field given as null as left out, so each optional field is nullable.</summary>
    private static OpenApiSchema Verifier(string kind, string description, string[] required, object example, params (string Name, IOpenApiSchema Schema)[] fields)
    {
        foreach (var (name, schema) in fields)
            if (!required.Contains(name) && schema is OpenApiSchema { Type: { } type } optional) optional.Type = type | JsonSchemaType.Null;
        return WithExample(Schemas.Object(description, ["kind", .. required], [("kind", Schemas.Constant(kind, "The verifier kind.")), .. fields]), example);
    }

    private static OpenApiSchema WithDefault(OpenApiSchema schema, double value)
    {
        schema.Default = JsonValue.Create(value);
        return schema;
    }

    private static OpenApiSchema WithExample(OpenApiSchema schema, object example)
    {
        var node = JsonSerializer.SerializeToNode(example, ServiceJson.Options);
        schema.Examples = [node!];
#pragma warning disable CS0618 // OpenAPI 3.0 documents carry the single "example".
        schema.Example = node?.DeepClone();
#pragma warning restore CS0618
        return schema;
    }
}
