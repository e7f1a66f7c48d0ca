using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sdpo.Service.Tests.Support;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Service.Tests;

/// <summary>POST /teacher-advantage on the fake engine: what reaches the engine, the figures it reports, and every refusal.</summary>
public sealed class TeacherAdvantageTests : IAsyncLifetime
{
    private readonly TestDataFolder _data = new();
    private ServiceHost _host = null!;
    private FakeDiscoveryEngine Engine => _host.Engine!;

    private const string Puzzle = """{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}""";
    private const string ExactFour = """{"prompt": "What is 2+2?", "verifier": {"kind": "exact", "answer": "4"}}""";

    public Task InitializeAsync()
    {
        _host = new ServiceHost(_data, new FakeDiscoveryEngine(), new Dictionary<string, string> { ["Service:MaxRequestBodyBytes"] = "65536" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    private static string Case(string members, string problem = Puzzle) => "{\"problem\": " + problem + ", " + members + "}";

    private static string Cases(params string[] cases) => "{\"cases\": [" + string.Join(", ", cases) + "]}";

    [Fact]
    public async Task Each_case_is_scored_with_the_verifiers_feedback_on_its_attempt_or_the_feedback_given_and_the_figures_are_summed_up()
    {
        var response = await _host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(Cases(
            Case(""" "answer": "3*5+7", "attempt": "3+5+7" """),
            Case(""" "answer": "7+3*5", "feedback": "That is far off." """))));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var report = JsonDocument.Parse(body).RootElement;

        // The attempt itself never reaches the teacher: only the verifier's feedback on it, after the puzzle's own prompt.
        Assert.Equal(2, Engine.AdvantageCalls.Count);
        var (prompt, feedback, answer, constrained) = Engine.AdvantageCalls[0];
        Assert.Contains("Target: 22", prompt);
        Assert.Contains("15 is 7 less than the target 22", feedback);
        Assert.DoesNotContain("3+5+7", feedback.Replace(" ", ""));
        Assert.Equal("3*5+7", answer);
        Assert.False(constrained);
        Assert.Equal("That is far off.", Engine.AdvantageCalls[1].Feedback);

        // The fake engine: +1 nat a word where the feedback says "less", −1 otherwise.
        var cases = report.GetProperty("cases");
        Assert.Equal(1.0, cases[0].GetProperty("nats").GetDouble(), 9);
        Assert.Equal(-1.0, cases[1].GetProperty("nats").GetDouble(), 9);
        Assert.Equal(-2.0, cases[0].GetProperty("studentLogProb").GetDouble(), 9);
        Assert.Equal(-1.0, cases[0].GetProperty("teacherLogProb").GetDouble(), 9);
        Assert.Equal("wrong", cases[0].GetProperty("attemptStatus").GetString());
        Assert.Equal(JsonValueKind.Null, cases[1].GetProperty("attemptStatus").ValueKind);
        Assert.Equal(feedback, cases[0].GetProperty("feedback").GetString());
        Assert.Equal("7+3*5", cases[1].GetProperty("answer").GetString());
        Assert.Equal(0.0, report.GetProperty("meanNats").GetDouble(), 9);
        Assert.Equal(0.5, report.GetProperty("positiveShare").GetDouble(), 9);
        Assert.Equal("fake-model", report.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Without_an_answer_a_puzzle_is_measured_against_the_passing_answer_nearest_to_the_attempt()
    {
        var response = await _host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(Cases(Case(""" "attempt": "3+5+7" """))));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement.GetProperty("cases")[0].GetProperty("answer").GetString();
        Assert.Equal(new ArithmeticPuzzle([3, 5, 7], 22).NearestSolution("3+5+7"), answer);
        Assert.True(new ArithmeticVerifier([3, 5, 7], 22).Check(answer).Passed);
        Assert.Equal(answer, Assert.Single(Engine.AdvantageCalls).Answer);
    }

    [Fact]
    public async Task Constrained_measurement_hands_the_puzzles_grammar_to_the_engine()
    {
        var response = await _host.Client.PostAsync("/teacher-advantage",
            ServiceApi.Json("{\"constrained\": true, \"cases\": [" + Case(""" "answer": "3*5+7", "attempt": "3*(5+7)" """) + "]}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Assert.Single(Engine.AdvantageCalls).Constrained);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("constrained").GetBoolean());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "", "body" },
        { """{"cases": [""", "body" },
        { "{}", "cases" },
        { """{"cases": []}""", "cases" },
        { """{"cases": [null]}""", "cases[0]" },
        { """{"cases": [{"answer": "3*5+7", "attempt": "3+5+7"}]}""", "cases[0].problem" },
        { Cases(Case(""" "attempt": "5" """, ExactFour)), "cases[0].answer" },
        { Cases(Case(""" "feedback": "15 is 7 less than the target 22." """)), "cases[0].answer" },
        { Cases(Case(""" "attempt": "1+1+1" """, """{"kind": "arithmetic", "numbers": [1, 1, 1], "target": 1000}""")), "cases[0].answer" },
        { Cases(Case(""" "answer": " ", "attempt": "3+5+7" """)), "cases[0].answer" },
        { Cases(Case(""" "answer": "3*5+7" """)), "cases[0]" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "3+5+7", "feedback": "no" """)), "cases[0]" },
        { Cases(Case(""" "answer": "3*5+7", "feedback": "" """)), "cases[0].feedback" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "3+5+7", "hint": "x" """)), "cases[0].hint" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "3+5+7" """, """{"kind": "sudoku"}""")), "cases[0].problem.kind" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "3+5+7" """, """{"kind": "arithmetic", "numbers": [3], "target": 22}""")), "cases[0].problem.numbers" },
        // The answer must pass and the attempt must fail with feedback, or there is nothing to measure.
        { Cases(Case(""" "answer": "3+5+7", "attempt": "3*5+7" """)), "cases[0].answer" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "7+5*3" """)), "cases[0].attempt" },
        { Cases(Case(""" "answer": "4", "attempt": "5" """, ExactFour), Case(""" "answer": "5", "attempt": "4" """, ExactFour)), "cases[1].answer" },
        { "{\"constrained\": true, \"cases\": [" + Case(""" "answer": "4", "attempt": "5" """, ExactFour) + "]}", "constrained" },
        // Booleans and strings as their JSON types, not spelled as strings or numbers.
        { "{\"constrained\": \"true\", \"cases\": [" + Case(""" "answer": "3*5+7", "attempt": "3+5+7" """) + "]}", "constrained" },
        { Cases(Case(""" "answer": 22, "attempt": "3+5+7" """)), "cases[0].answer" },
        { "{\"model\": \"gpt-7\", \"cases\": [" + Case(""" "answer": "3*5+7", "attempt": "3+5+7" """) + "]}", "model" },
        // Text that is not Unicode (a lone surrogate escape) anywhere in a case.
        { Cases(Case(""" "answer": "4", "attempt": "5" """, """{"prompt": "\ud800 x", "verifier": {"kind": "exact", "answer": "4"}}""")), "cases[0].problem.prompt" },
        { Cases(Case(""" "answer": "3*5+\ud8007", "attempt": "3+5+7" """)), "cases[0].answer" },
        { Cases(Case(""" "answer": "3*5+7", "attempt": "\udfff" """)), "cases[0].attempt" },
        // The fake model's context is 256 words.
        { Cases(Case(""" "answer": "3*5+7", "feedback": " """ + string.Join(" ", Enumerable.Repeat("wrong", 300)) + "\"")), "cases[0]" },
        { Cases(Enumerable.Repeat(Case(""" "answer": "4", "feedback": "no" """, ExactFour), 257).ToArray()), "cases" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_requests_answer_400_problem_json_naming_the_field(string body, string field)
    {
        var response = await _host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming {field}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(errors.SequenceEqual([field]), $"expected the field {field}, got [{string.Join(", ", errors)}]: {text}");
        // Every case is checked before any is scored: a refused request costs no device time.
        Assert.Empty(Engine.AdvantageCalls);
    }

    [Fact]
    public async Task A_case_that_cannot_be_measured_says_why()
    {
        var response = await _host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(Cases(Case(""" "answer": "3+5+7", "attempt": "3*5" """))));
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("does not pass", detail);
        Assert.Contains("(wrong)", detail);
        Assert.Contains("15 is 7 less than the target 22", detail);
    }

    [Fact]
    public async Task An_engine_that_fails_on_a_valid_case_answers_problem_json_with_its_reason()
    {
        // A model with another model's tokenizer failed in the scorer with an ArgumentException: a bare 500, the reason only in the log.
        using var data = new TestDataFolder();
        await using var host = new ServiceHost(data, new FakeDiscoveryEngine
        {
            Advantage = (_, _, _) => throw new ArgumentException("Pair 0 holds a token id outside the vocabulary [0, 257).\nSecond line.", "pairs"),
        });

        var response = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(Cases(Case(""" "answer": "3*5+7", "attempt": "3+5+7" """))));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The engine failed", problem.GetProperty("title").GetString());
        Assert.Equal("The engine failed on cases[0] with model 'fake-model': Pair 0 holds a token id outside the vocabulary [0, 257).",
            problem.GetProperty("detail").GetString());
    }
}
