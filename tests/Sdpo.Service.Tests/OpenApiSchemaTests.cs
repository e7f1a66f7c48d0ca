using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Sdpo.Engine.Discovery;
using Sdpo.Service.Api;
using Sdpo.Service.Problems;
using Sdpo.Service.Tests.Support;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Service.Tests;

/// <summary>The service's OpenAPI document, fetched once from a test host.</summary>
public sealed class OpenApiDocumentFixture : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();

    public ServiceHost Host { get; private set; } = null!;
    public JsonElement Document { get; private set; }

    public async Task InitializeAsync()
    {
        Host = new ServiceHost(_data, new FakeDiscoveryEngine());
        Document = JsonDocument.Parse(await Host.Client.GetStringAsync("/swagger/v1/swagger.json")).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>What the OpenAPI document says about requests and responses, checked against what the service does.</summary>
public sealed class OpenApiSchemaTests(OpenApiDocumentFixture fixture) : IClassFixture<OpenApiDocumentFixture>
{
    private JsonElement Paths => fixture.Document.GetProperty("paths");

    private JsonElement Schema(string name)
    {
        Assert.True(fixture.Document.GetProperty("components").GetProperty("schemas").TryGetProperty(name, out var schema), $"schema {name} is missing");
        return schema;
    }

    private JsonElement Operation(string path, string verb) => Paths.GetProperty(path).GetProperty(verb);

    /// <summary>The component a schema refers to, directly or as the single entry of an allOf.</summary>
    private static string? RefName(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference)) return reference.GetString()!.Split('/')[^1];
        if (schema.TryGetProperty("allOf", out var allOf) && allOf.GetArrayLength() == 1) return RefName(allOf[0]);
        return null;
    }

    private static List<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()!).ToList() : [];

    private static List<string> PropertyNames(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

    private static JsonObject ExampleOf(JsonElement schema) =>
        JsonNode.Parse((schema.TryGetProperty("example", out var example) ? example : schema.GetProperty("examples")[0]).GetRawText())!.AsObject();

    private Dictionary<string, string> VerifierKinds() =>
        Schema("VerifierSpec").GetProperty("discriminator").GetProperty("mapping").EnumerateObject()
            .ToDictionary(m => m.Name, m => m.Value.GetString()!.Split('/')[^1]);

    [Fact]
    public void Problems_are_described_by_a_schema_with_each_form_and_every_verifier_kind()
    {
        var problem = Schema("ProblemSpec");
        Assert.Equal(["ArithmeticProblem", "PromptProblem"], problem.GetProperty("oneOf").EnumerateArray().Select(RefName).ToList());
        Assert.Equal(["kind", "numbers", "target"], PropertyNames(Schema("ArithmeticProblem")));
        Assert.Equal(["kind", "numbers", "target"], Required(Schema("ArithmeticProblem")));
        Assert.Equal(["arithmetic"], Schema("ArithmeticProblem").GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["prompt", "verifier", "id"], PropertyNames(Schema("PromptProblem")));
        Assert.Equal(["prompt", "verifier"], Required(Schema("PromptProblem")));
        Assert.Equal("VerifierSpec", RefName(Schema("PromptProblem").GetProperty("properties").GetProperty("verifier")));

        var verifier = Schema("VerifierSpec");
        Assert.Equal("kind", verifier.GetProperty("discriminator").GetProperty("propertyName").GetString());
        var kinds = VerifierKinds();
        Assert.Equal(VerifierSpecParser.Kinds.Order(), kinds.Keys.Order());
        Assert.Equal(kinds.Values.Order(), verifier.GetProperty("oneOf").EnumerateArray().Select(RefName).Order());
        foreach (var (kind, name) in kinds)
        {
            var schema = Schema(name);
            Assert.Equal([kind], schema.GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("kind", Required(schema));
            foreach (var property in schema.GetProperty("properties").EnumerateObject())
                Assert.True(property.Value.TryGetProperty("type", out _) || property.Value.TryGetProperty("oneOf", out _), $"{name}.{property.Name} has no type");
        }

        // Wherever a request carries a problem.
        Assert.Equal("ProblemSpec", RefName(Schema("SolveRequest").GetProperty("properties").GetProperty("problem")));
        Assert.Equal("ProblemSpec", RefName(Schema("TeacherAdvantageCase").GetProperty("properties").GetProperty("problem")));
        Assert.Equal("ProblemSpec", RefName(Schema("BenchmarkRequest").GetProperty("properties").GetProperty("problems").GetProperty("items")));
    }

    [Fact]
    public void Each_verifier_kind_lists_exactly_the_fields_the_parser_reads_and_requires()
    {
        foreach (var (kind, name) in VerifierKinds())
        {
            var schema = Schema(name);
            var example = ExampleOf(schema);
            Assert.Equal(kind, example["kind"]!.GetValue<string>());
            VerifierSpecParser.Parse(example.ToJsonString());

            // The required fields alone are a spec; without any one of them it is refused, naming it.
            var required = Required(schema);
            var minimal = new JsonObject(required.Select(r => KeyValuePair.Create(r, example[r]?.DeepClone())));
            VerifierSpecParser.Parse(minimal.ToJsonString());
            foreach (var field in required.Where(r => r != "kind"))
            {
                var without = minimal.DeepClone().AsObject();
                without.Remove(field);
                var missing = Assert.Throws<VerifierSpecException>(() => VerifierSpecParser.Parse(without.ToJsonString()));
                Assert.Equal($"verifier.{field}", missing.Field);
            }

            // The parser names the fields it knows when it refuses an unknown one: they are the schema's.
            var extra = example.DeepClone().AsObject();
            extra["notAField"] = 1;
            var unknown = Assert.Throws<VerifierSpecException>(() => VerifierSpecParser.Parse(extra.ToJsonString()));
            var known = Regex.Match(unknown.Message, @"\(fields: ([^)]*)\)").Groups[1].Value.Split(", ");
            Assert.Equal(known.Order(), PropertyNames(schema).Order());
        }
    }

    [Fact]
    public void The_problem_examples_resolve_and_their_bounds_are_the_resolvers()
    {
        var resolver = fixture.Host.Services.GetRequiredService<IProblemResolver>();
        bool Resolves(JsonObject problem)
        {
            try
            {
                // Waited for here: CheckBounds probes synchronously.
                resolver.ResolveAsync(JsonDocument.Parse(problem.ToJsonString()).RootElement, CancellationToken.None).GetAwaiter().GetResult();
                return true;
            }
            catch (ProblemSpecException)
            {
                return false;
            }
        }

        var arithmetic = ExampleOf(Schema("ArithmeticProblem"));
        Assert.True(Resolves(arithmetic));
        var prompt = ExampleOf(Schema("PromptProblem"));
        Assert.True(Resolves(prompt));
        var probed = CheckBounds(Schema("ArithmeticProblem"), arithmetic, (field, value) =>
        {
            var problem = arithmetic.DeepClone().AsObject();
            problem[field] = value;
            return Resolves(problem);
        });
        foreach (var name in VerifierKinds().Values)
        {
            var schema = Schema(name);
            var example = ExampleOf(schema);
            probed += CheckBounds(schema, example, (field, value) =>
            {
                var verifier = example.DeepClone().AsObject();
                verifier[field] = value;
                return Resolves(new JsonObject { ["prompt"] = "What is 2+2?", ["verifier"] = verifier });
            });
        }
        Assert.True(probed >= 8, $"only {probed} bounds were probed");
    }

    [Theory]
    [InlineData(typeof(DiscoveryBudget))]
    [InlineData(typeof(AttemptSampling))]
    [InlineData(typeof(SdpoOptions))]
    public void Option_bounds_and_defaults_in_the_document_are_the_ones_the_service_applies(Type type)
    {
        var schema = Schema(type.Name);
        var validate = type.GetMethod("Validate")!;
        var probed = CheckBounds(schema, new JsonObject(), (field, value) =>
        {
            var options = JsonSerializer.Deserialize(new JsonObject { [field] = value }.ToJsonString(), type, ServiceJson.Options)!;
            try
            {
                validate.Invoke(options, null);
                return true;
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is ArgumentOutOfRangeException)
            {
                return false;
            }
        });
        Assert.True(probed >= 2, $"only {probed} bounds of {type.Name} were probed");

        // Each default is what a request that leaves the field out gets.
        var defaults = JsonSerializer.SerializeToNode(JsonSerializer.Deserialize("{}", type, ServiceJson.Options), type, ServiceJson.Options)!.AsObject();
        var withDefaults = 0;
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            if (!property.Value.TryGetProperty("default", out var value)) continue;
            withDefaults++;
            var actual = defaults[property.Name];
            Assert.True(actual is not null || value.ValueKind == JsonValueKind.False || value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0,
                $"{type.Name}.{property.Name} has default {value} but a request without it gets nothing");
            if (actual is not null) Assert.True(JsonNode.DeepEquals(actual, JsonNode.Parse(value.GetRawText())), $"{type.Name}.{property.Name}: default {value}, applied {actual}");
        }
        Assert.True(withDefaults >= 2, $"{type.Name} has {withDefaults} defaults");
    }

    [Fact]
    public void The_budget_and_sampling_limits_are_stated()
    {
        var budget = Schema("DiscoveryBudget").GetProperty("properties");
        AssertBounds(budget.GetProperty("maxAttempts"), 1, 100_000, 64);
        AssertBounds(budget.GetProperty("attemptsPerStep"), 1, 256, 8);
        Assert.Equal(1, budget.GetProperty("chains").GetProperty("minimum").GetDouble());

        var sampling = Schema("AttemptSampling").GetProperty("properties");
        AssertBounds(sampling.GetProperty("maxNewTokens"), 1, 4096, 64);
        var temperature = sampling.GetProperty("temperature");
        Assert.Equal((0, true), Lower(temperature));
        Assert.Equal((10, false), Upper(temperature));
        Assert.Equal(1, temperature.GetProperty("default").GetDouble());

        var sdpo = Schema("SdpoOptions").GetProperty("properties");
        AssertBounds(sdpo.GetProperty("loraRank"), 1, 256, 8);
        AssertBounds(sdpo.GetProperty("updatesPerBatch"), 1, 16, 2);

        static void AssertBounds(JsonElement property, double minimum, double maximum, double @default)
        {
            Assert.Equal("integer", property.GetProperty("type").GetString());
            Assert.Equal((minimum, false), Lower(property));
            Assert.Equal((maximum, false), Upper(property));
            Assert.Equal(@default, property.GetProperty("default").GetDouble());
        }
    }

    [Fact]
    public void Required_fields_are_marked_required()
    {
        Assert.Contains("problem", Required(Schema("SolveRequest")));
        Assert.Contains("cases", Required(Schema("TeacherAdvantageRequest")));
        Assert.Contains("problem", Required(Schema("TeacherAdvantageCase")));
        Assert.Contains("name", Required(Schema("SuiteRequest")));
        var cases = Schema("TeacherAdvantageRequest").GetProperty("properties").GetProperty("cases");
        Assert.Equal(1, cases.GetProperty("minItems").GetInt32());
        Assert.Equal(TeacherAdvantageReader.MaxCases, cases.GetProperty("maxItems").GetInt32());
    }

    [Theory]
    [InlineData("/solve")]
    [InlineData("/teacher-advantage")]
    [InlineData("/benchmarks")]
    public void Posts_declare_413_with_the_limit_and_415(string path)
    {
        var responses = Operation(path, "post").GetProperty("responses");
        Assert.True(responses.TryGetProperty("413", out var tooLarge), $"POST {path} has no 413");
        var schema = Schema(RefName(tooLarge.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema"))!);
        Assert.Equal("integer", schema.GetProperty("properties").GetProperty("limitBytes").GetProperty("type").GetString());
        Assert.True(responses.TryGetProperty("415", out var unsupported), $"POST {path} has no 415");
        Assert.True(unsupported.GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    [Fact]
    public void Health_declares_its_503()
    {
        var responses = Operation("/health", "get").GetProperty("responses");
        Assert.Equal("HealthReport", RefName(responses.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema")));
        Assert.True(responses.TryGetProperty("503", out var unhealthy), "GET /health has no 503");
        Assert.Equal("HealthReport", RefName(unhealthy.GetProperty("content").GetProperty("application/json").GetProperty("schema")));
    }

    [Theory]
    [InlineData("/solve")]
    [InlineData("/solve/{id}/attempts")]
    [InlineData("/benchmarks")]
    public void Paging_parameters_are_integers_with_their_bounds(string path)
    {
        var parameters = Operation(path, "get").GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        var offset = parameters["offset"].GetProperty("schema");
        Assert.Equal("integer", offset.GetProperty("type").GetString());
        Assert.Equal((0, false), Lower(offset));
        Assert.Equal(0, offset.GetProperty("default").GetInt32());
        var limit = parameters["limit"].GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal((1, false), Lower(limit));
        Assert.Equal((SolveApi.MaxPageSize, false), Upper(limit));
        Assert.Equal(SolveApi.DefaultPageSize, limit.GetProperty("default").GetInt32());
    }

    [Theory]
    [InlineData("/solve", "queued, running, interrupted, discovered, exhausted, cancelled, failed")]
    [InlineData("/benchmarks", "queued, screening, running, completed, failed, cancelled")]
    public void Status_filters_are_strings_of_the_statuses_as_the_api_writes_them(string path, string statuses)
    {
        var parameters = Operation(path, "get").GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        // The status enum's own schema, as the runs' and benchmarks' status fields refer to it.
        var status = Schema(RefName(parameters["status"].GetProperty("schema"))!);
        Assert.Equal("string", status.GetProperty("type").GetString());
        Assert.Equal(statuses, string.Join(", ", status.GetProperty("enum").EnumerateArray().Select(v => v.GetString())));
    }

    [Fact]
    public void Discovery_figures_are_nullable_and_event_streams_document_their_end_and_a_bad_id()
    {
        // null when a method has no completed run.
        var point = Schema("DiscoveryPoint").GetProperty("properties");
        foreach (var name in new[] { "estimate", "lower", "upper" })
            Assert.True(IsNullable(point.GetProperty(name)), $"DiscoveryPoint.{name}: {point.GetProperty(name)}");
        foreach (var path in new[] { "/solve/{id}/events", "/benchmarks/{id}/events" })
        {
            var responses = Operation(path, "get").GetProperty("responses");
            Assert.True(responses.TryGetProperty("204", out _), $"GET {path} does not document 204");
            Assert.True(responses.TryGetProperty("400", out _), $"GET {path} does not document 400");
        }
        Assert.True(Operation("/benchmarks", "get").GetProperty("responses").TryGetProperty("400", out _));
    }

    private static bool IsNullable(JsonElement schema) =>
        schema.TryGetProperty("nullable", out var nullable) && nullable.GetBoolean()
        || schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(t => t.GetString() == "null")
        || schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().Any(IsNullable);

    [Theory]
    [InlineData("/solve/{id}/adapter", "application/zip")]
    [InlineData("/benchmarks/{id}/plot.svg", "image/svg+xml")]
    [InlineData("/benchmarks/{id}/plot.png", "image/png")]
    public void File_responses_declare_their_content_type(string path, string contentType)
    {
        var content = Operation(path, "get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.True(content.TryGetProperty(contentType, out var media), $"GET {path} does not declare {contentType}");
        Assert.Equal("string", media.GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("binary", media.GetProperty("schema").GetProperty("format").GetString());
    }

    [Theory]
    [InlineData("/solve/{id}")]
    [InlineData("/benchmarks/{id}")]
    public void Delete_declares_the_cancel_the_ended_answer_the_purge_and_the_conflict(string path)
    {
        var operation = Operation(path, "delete");
        var responses = operation.GetProperty("responses");
        foreach (var status in new[] { "200", "202", "204", "400", "404", "409" })
            Assert.True(responses.TryGetProperty(status, out _), $"DELETE {path} has no {status}");
        var purge = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "purge");
        Assert.Equal("query", purge.GetProperty("in").GetString());
        Assert.Equal(["true", "false"], purge.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public void A_run_states_its_queue_position()
    {
        var position = Schema("RunDetails").GetProperty("properties").GetProperty("queuePosition");
        Assert.Equal("integer", position.GetProperty("type").GetString());
        Assert.True(position.GetProperty("nullable").GetBoolean());
    }

    [Theory]
    [InlineData("/solve/{id}/events")]
    [InlineData("/benchmarks/{id}/events")]
    public void Event_streams_declare_the_Last_Event_ID_header(string path)
    {
        var header = Operation(path, "get").GetProperty("parameters").EnumerateArray()
            .SingleOrDefault(p => p.GetProperty("name").GetString() == "Last-Event-ID");
        Assert.True(header.ValueKind == JsonValueKind.Object, $"GET {path} does not declare Last-Event-ID");
        Assert.Equal("header", header.GetProperty("in").GetString());
        Assert.Equal("integer", header.GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal((0, false), Lower(header.GetProperty("schema")));
    }

    [Fact]
    public void Descriptions_are_plain_text_without_code_references_or_source_indentation()
    {
        var texts = new List<(string Path, string Text)>();
        Collect(fixture.Document, "", texts);
        Assert.NotEmpty(texts);
        var codeReferences = texts.Where(t => Regex.IsMatch(t.Text, @"\bSdpo\.\w")).Select(t => $"{t.Path}: {t.Text}").ToList();
        Assert.True(codeReferences.Count == 0, "raw code references:\n" + string.Join("\n", codeReferences));
        var indented = texts.Where(t => Regex.IsMatch(t.Text, @"\n[ \t]")).Select(t => $"{t.Path}: {t.Text}").ToList();
        Assert.True(indented.Count == 0, "indented lines:\n" + string.Join("\n", indented));

        static void Collect(JsonElement element, string path, List<(string, string)> texts)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "description" or "summary" && property.Value.ValueKind == JsonValueKind.String)
                        texts.Add(($"{path}/{property.Name}", property.Value.GetString()!));
                    else if (property.Name is not ("example" or "examples" or "x-jsonschema-examples"))
                        Collect(property.Value, $"{path}/{property.Name}", texts);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in element.EnumerateArray()) Collect(item, $"{path}[{index++}]", texts);
            }
        }
    }

    /// <summary>A bound as the document states it: OpenAPI 3.0's minimum with a boolean exclusiveMinimum, or 3.1's
    /// numeric exclusiveMinimum. Null where there is none.</summary>
    private static (double Value, bool Exclusive)? Lower(JsonElement schema) => Bound(schema, "minimum", "exclusiveMinimum");

    private static (double Value, bool Exclusive)? Upper(JsonElement schema) => Bound(schema, "maximum", "exclusiveMaximum");

    private static (double, bool)? Bound(JsonElement schema, string inclusive, string exclusive)
    {
        if (schema.TryGetProperty(exclusive, out var flag) && flag.ValueKind == JsonValueKind.Number) return (flag.GetDouble(), true);
        if (!schema.TryGetProperty(inclusive, out var value)) return null;
        return (value.GetDouble(), schema.TryGetProperty(exclusive, out flag) && flag.ValueKind == JsonValueKind.True);
    }

    /// <summary>For each numeric property of <paramref name="schema"/> with a bound: the bound itself is accepted unless
    /// exclusive, and the nearest value beyond it is refused. Returns how many bounds were probed.</summary>
    private static int CheckBounds(JsonElement schema, JsonObject example, Func<string, JsonNode, bool> accepts)
    {
        var probed = 0;
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            if (!property.Value.TryGetProperty("type", out var type) || type.GetString() is not ("integer" or "number")) continue;
            var integer = type.GetString() == "integer";
            foreach (var (bound, below) in new[] { (Lower(property.Value), true), (Upper(property.Value), false) })
            {
                if (bound is not var (value, exclusive)) continue;
                probed++;
                var step = integer ? 1 : Math.Max(1e-9, Math.Abs(value) * 1e-9);
                var beyond = below ? value - step : value + step;
                Assert.True(accepts(property.Name, Number(value, integer)) == !exclusive,
                    $"{property.Name} = {value} should be {(exclusive ? "refused" : "accepted")} (example {example.ToJsonString()})");
                Assert.False(accepts(property.Name, Number(beyond, integer)), $"{property.Name} = {beyond.ToString(CultureInfo.InvariantCulture)} should be refused");
            }
        }
        return probed;

        static JsonNode Number(double value, bool integer) => integer ? JsonValue.Create((long)value) : JsonValue.Create(value);
    }
}
