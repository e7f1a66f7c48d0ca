using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sdpo.Service.Configuration;
using Sdpo.Engine;
using Sdpo.Engine.Sdpo;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

/// <summary>The service end to end with the real engine (TorchSharp, LoRA, SDPO) on a tiny trained checkpoint and the
/// real verifiers, configured only through the app's settings.</summary>
public sealed class RealEngineTests : IClassFixture<TinyArithmeticCheckpoint>, IDisposable
{
    /// <summary>No three ones make 1000: every attempt fails, with the arithmetic verifier's feedback.</summary>
    private const string Unsolvable = """{"kind": "arithmetic", "numbers": [1, 1, 1], "target": 1000}""";

    private readonly TinyArithmeticCheckpoint _checkpoint;
    private readonly TestDataFolder _data = new();

    public RealEngineTests(TinyArithmeticCheckpoint checkpoint) => _checkpoint = checkpoint;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_pattern_every_answer_matches_is_discovered_at_the_first_attempt_streamed_inline()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var request = new HttpRequestMessage(HttpMethod.Post, "/solve")
        {
            Content = ServiceApi.Json("""
                {"problem": {"prompt": "Numbers: 2 3 4\nTarget: 24\nExpression: ", "verifier": {"kind": "regex", "pattern": "(?s).*"}},
                 "method": "sdpo", "sampling": {"maxNewTokens": 12}, "seed": 4}
                """),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var capture = await SseClient.ReadAsync(response, timeoutSeconds: 60);

        var first = capture.Frames.First(f => f.Event == "attempt").Json;
        Assert.Equal(0, first.GetProperty("index").GetInt32());
        Assert.True(first.GetProperty("verdict").GetProperty("passed").GetBoolean(), first.ToString());
        Assert.True(first.GetProperty("tokenCount").GetInt32() is > 0 and <= 12);
        Assert.Equal("discovered", capture.Frames.LastMethodEvent().Event);
        Assert.Equal(0, capture.Frames.LastMethodEvent().Json.GetProperty("attemptIndex").GetInt32());

        var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("loaded", models[0].GetProperty("state").GetString());
        Assert.Equal(TinyArithmeticCheckpoint.ModelName, models[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Sdpo_on_an_unsolvable_puzzle_spends_its_budget_in_steps_with_a_loss_and_keeps_its_adapter()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var id = await ServiceApi.SubmitAsync(host.Client,
            "{\"problem\": " + Unsolvable + ", \"method\": \"sdpo\", \"budget\": {\"maxAttempts\": 16, \"attemptsPerStep\": 8}, \"sampling\": {\"maxNewTokens\": 12}, \"seed\": 2}");
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60);

        var attempts = capture.Frames.Where(f => f.Event == "attempt").ToList();
        Assert.Equal(Enumerable.Range(0, 16), attempts.Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.All(attempts, a => Assert.False(a.Json.GetProperty("verdict").GetProperty("passed").GetBoolean()));
        Assert.All(attempts, a => Assert.False(string.IsNullOrEmpty(a.Json.GetProperty("verdict").GetProperty("feedback").GetString())));
        var steps = capture.Frames.Where(f => f.Event == "step").ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.True(double.IsFinite(s.Json.GetProperty("loss").GetDouble()), s.Data));
        Assert.Equal("exhausted", capture.Frames.LastMethodEvent().Event);

        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "exhausted");
        Assert.Equal(16, run.GetProperty("attempts").GetInt32());
        Assert.Equal(2, run.GetProperty("steps").GetInt32());

        var adapter = await host.Client.GetAsync($"/solve/{id}/adapter");
        Assert.Equal(HttpStatusCode.OK, adapter.StatusCode);
        Assert.Equal("application/zip", adapter.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(await adapter.Content.ReadAsStreamAsync());
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("adapter_config.json", names);
        Assert.Contains("adapter_model.safetensors", names);
        Assert.True(zip.GetEntry("adapter_model.safetensors")!.Length > 0);
        // The base model as PEFT's from_pretrained can load it: the checkpoint's folder, not the configured model name.
        using var config = JsonDocument.Parse(zip.GetEntry("adapter_config.json")!.Open());
        Assert.Equal(Path.GetFullPath(_checkpoint.Folder), config.RootElement.GetProperty("base_model_name_or_path").GetString());

        // Ended, the run keeps only what it still serves: the resume state (loop file, optimizer, student) is gone.
        var state = Path.Combine(_data.Path, "runs", id.ToString("D"), "state");
        Assert.Equal(["adapter"], Directory.GetFileSystemEntries(state).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Best_of_k_multi_turn_and_self_teacher_run_through_the_real_engine()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var id = await ServiceApi.SubmitAsync(host.Client,
            "{\"problem\": " + Unsolvable + ", \"method\": \"best-of-k\", \"compareWith\": [\"multi-turn\", \"self-teacher\"], \"budget\": {\"maxAttempts\": 6, \"attemptsPerStep\": 3}, \"sampling\": {\"maxNewTokens\": 10}, \"seed\": 5}");
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60);

        foreach (var method in new[] { "best-of-k", "multi-turn", "self-teacher" })
        {
            var frames = capture.Frames.Where(f => f.Method == method).ToList();
            Assert.Equal(Enumerable.Range(0, 6), frames.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
            Assert.Equal("exhausted", frames[^1].Event);
        }
        Assert.Equal("ended", capture.Frames[^1].Event);

        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "exhausted");
        var methods = run.GetProperty("methods").EnumerateArray().ToList();
        Assert.Equal(["best-of-k", "multi-turn", "self-teacher"], methods.Select(m => m.GetProperty("method").GetString()));
        Assert.All(methods, m => Assert.Equal("exhausted", m.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/solve/{id}/adapter")).StatusCode);
    }

    [Fact]
    public async Task Self_teacher_runs_with_fewer_chains_than_attempts_per_step_and_the_run_records_them()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var id = await ServiceApi.SubmitAsync(host.Client,
            "{\"problem\": " + Unsolvable + ", \"method\": \"self-teacher\", \"budget\": {\"maxAttempts\": 8, \"attemptsPerStep\": 4, \"chains\": 1}, \"sampling\": {\"maxNewTokens\": 10}, \"seed\": 5}");
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60);

        Assert.Equal(Enumerable.Range(0, 8), capture.Frames.Where(f => f.Event == "attempt").Select(f => f.Json.GetProperty("index").GetInt32()));
        Assert.Equal("exhausted", capture.Frames.LastMethodEvent().Event);
        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "exhausted");
        Assert.Equal(1, run.GetProperty("configuration").GetProperty("budget").GetProperty("chains").GetInt32());
    }

    [Fact]
    public async Task Constrained_sampling_gives_only_answers_that_use_each_number_once()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var id = await ServiceApi.SubmitAsync(host.Client,
            "{\"problem\": " + Unsolvable + ", \"method\": \"sdpo\", \"budget\": {\"maxAttempts\": 16, \"attemptsPerStep\": 8}, \"sampling\": {\"maxNewTokens\": 24, \"constrained\": true}, \"seed\": 3}");
        var capture = await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60);

        var attempts = capture.Frames.Where(f => f.Event == "attempt").Select(f => f.Json).ToList();
        Assert.Equal(16, attempts.Count);
        // A complete answer can only be wrong by its value; the only other way out is the token limit.
        var complete = attempts.Where(a => a.GetProperty("tokenCount").GetInt32() < 24).ToList();
        Assert.NotEmpty(complete);
        foreach (var attempt in complete)
        {
            var verdict = attempt.GetProperty("verdict");
            Assert.True(verdict.GetProperty("status").GetString() == "wrong", attempt.ToString());
            Assert.DoesNotContain("Numbers:", verdict.GetProperty("feedback").GetString());
            Assert.Equal(3, attempt.GetProperty("text").GetString()!.Count(c => c == '1'));
        }
        var run = await ServiceApi.PollAsync(host.Client, id, r => r.GetProperty("status").GetString() == "exhausted");
        Assert.True(run.GetRawText().Contains("\"constrained\":true", StringComparison.Ordinal), run.GetRawText());
    }

    [Fact]
    public async Task Distinct_attempts_never_repeat_an_answer_and_steps_count_the_samples_drawn_again()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        // Constrained answers to 1 1 1 are few, so plain sampling repeats them within a few steps.
        const string body = "{\"problem\": " + Unsolvable + ", \"method\": \"best-of-k\", \"budget\": {\"maxAttempts\": 24, \"attemptsPerStep\": 8}, \"sampling\": {\"maxNewTokens\": 24, \"constrained\": true%DISTINCT%}, \"seed\": 3}";
        async Task<List<JsonElement>> Frames(string distinct, string name)
        {
            var id = await ServiceApi.SubmitAsync(host.Client, body.Replace("%DISTINCT%", distinct));
            return (await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60)).Frames.Where(f => f.Event == name).Select(f => f.Json).ToList();
        }
        static List<string> Texts(List<JsonElement> attempts) => attempts.Select(a => a.GetProperty("text").GetString()!).ToList();

        var plain = Texts(await Frames("", "attempt"));
        Assert.Equal(24, plain.Count);
        Assert.True(plain.Distinct().Count() < 24, "the plain run should repeat an answer for this test to mean anything");

        var distinct = Texts(await Frames(", \"distinctAttempts\": true", "attempt"));
        Assert.Equal(24, distinct.Count);
        Assert.Equal(24, distinct.Distinct().Count());
        var steps = await Frames(", \"distinctAttempts\": true", "step");
        Assert.Contains(steps, s => s.TryGetProperty("redrawn", out var redrawn) && redrawn.GetInt32() > 0);
    }

    [Fact]
    public async Task Distinct_equivalence_never_spends_two_attempts_on_one_value_from_the_same_numbers()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        const string body = "{\"problem\": {\"kind\": \"arithmetic\", \"numbers\": [2, 3, 4, 5], \"target\": 1000}, \"method\": \"best-of-k\", \"budget\": {\"maxAttempts\": 24, \"attemptsPerStep\": 8}, \"sampling\": {\"maxNewTokens\": 24, \"constrained\": true, \"distinctAttempts\": true%EQUIVALENCE%}, \"seed\": 3}";
        var verifier = new Sdpo.Verifiers.Arithmetic.ArithmeticVerifier([2, 3, 4, 5], 1000);
        async Task<List<string>> Keys(string equivalence)
        {
            var id = await ServiceApi.SubmitAsync(host.Client, body.Replace("%EQUIVALENCE%", equivalence));
            var attempts = (await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60)).Frames.Where(f => f.Event == "attempt").ToList();
            Assert.Equal(24, attempts.Count);
            // An answer that divides by zero has no key (it is compared by its text).
            return attempts.Select(a => verifier.EquivalenceKey(a.Json.GetProperty("text").GetString()!)).OfType<string>().ToList();
        }

        var byText = await Keys("");
        Assert.True(byText.Distinct().Count() < byText.Count, "distinct texts should share a value for this test to mean anything");
        var byKey = await Keys(", \"distinctEquivalence\": true");
        Assert.True(byKey.Count >= 20);
        Assert.Equal(byKey.Count, byKey.Distinct().Count());
    }

    [Fact]
    public async Task With_lazy_loading_the_model_loads_on_first_use()
    {
        var settings = _checkpoint.Settings();
        settings["Service:LoadModelsAtStart"] = "false";
        await using var host = new ServiceHost(_data, engine: null, settings);
        var before = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("unloaded", before[0].GetProperty("state").GetString());

        var id = await ServiceApi.SubmitAsync(host.Client,
            "{\"problem\": " + Unsolvable + ", \"method\": \"best-of-k\", \"budget\": {\"maxAttempts\": 2, \"attemptsPerStep\": 2}, \"sampling\": {\"maxNewTokens\": 4}}");
        Assert.Equal("exhausted", (await ServiceApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60)).Frames.LastMethodEvent().Event);
        var after = await host.Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal("loaded", after[0].GetProperty("state").GetString());
        Assert.True(after[0].GetProperty("contextLength").GetInt32() > 0);
    }

    [Fact]
    public async Task A_models_configured_torch_threads_are_shown_and_a_count_below_one_stops_the_start()
    {
        var settings = _checkpoint.Settings();
        settings["Models:0:Threads"] = "1";
        await using (var host = new ServiceHost(_data, engine: null, settings))
        {
            var models = await host.Client.GetFromJsonAsync<JsonElement>("/models");
            Assert.Equal(1, models[0].GetProperty("threads").GetInt32());
        }

        // As Program.cs builds it: Program.cs ends a bad setting's start with exit code 1, which the test host cannot report.
        settings["Models:0:Threads"] = "0";
        await using var app = ProgramApp.Build(["--urls", "http://127.0.0.1:0", "--Service:DataFolder", _data.Path,
            .. settings.SelectMany(setting => new[] { $"--{setting.Key}", setting.Value })]);
        var error = await Assert.ThrowsAsync<ServiceSettingsException>(() => app.StartAsync());
        Assert.Contains("Models:0:Threads is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_models_context_is_refused_naming_the_prompt()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        var prompt = new string('7', 2000);
        var response = await host.Client.PostAsync("/solve", ServiceApi.Json(
            "{\"problem\": {\"prompt\": \"" + prompt + "\", \"verifier\": {\"kind\": \"exact\", \"answer\": \"7\"}}}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal(["problem.prompt"], JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_teacher_advantage_endpoint_scores_the_answer_as_the_engine_does_with_the_verifiers_feedback()
    {
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        const string request = """{"cases": [{"problem": {"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}, "answer": "3*5+7", "attempt": "3+5+7"}]}""";
        var response = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(request));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var measured = JsonDocument.Parse(body).RootElement.GetProperty("cases")[0];
        var feedback = measured.GetProperty("feedback").GetString()!;
        Assert.Contains("15 is 7 less than the target 22", feedback);

        using var model = await LanguageModel.LoadAsync("direct", _checkpoint.Folder);
        var prompt = new ArithmeticPuzzle([3, 5, 7], 22).RenderPrompt();
        var direct = await TeacherAdvantage.MeasureAsync(model, prompt, feedback, "3*5+7");
        Assert.Equal(direct.StudentLogProb, measured.GetProperty("studentLogProb").GetDouble(), 4);
        Assert.Equal(direct.TeacherLogProb, measured.GetProperty("teacherLogProb").GetDouble(), 4);
        Assert.Equal(direct.Tokens, measured.GetProperty("tokens").GetInt32());
        Assert.NotEqual(direct.StudentLogProb, direct.TeacherLogProb);

        // Within the grammar both sides are renormalised over fewer tokens, so each answer is at least as likely.
        var constrained = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(request.Replace("{\"cases\"", "{\"constrained\": true, \"cases\"")));
        var within = (await constrained.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cases")[0];
        Assert.True(within.GetProperty("studentLogProb").GetDouble() >= direct.StudentLogProb - 1e-4, within.ToString());
        Assert.True(within.GetProperty("teacherLogProb").GetDouble() >= direct.TeacherLogProb - 1e-4, within.ToString());
        Assert.True(within.GetProperty("studentLogProb").GetDouble() > direct.StudentLogProb + 1e-3, "the grammar should rule some tokens out");
    }

    [Fact]
    public async Task Constrained_teacher_advantage_refuses_a_passing_answer_the_grammar_cannot_produce()
    {
        // The verifier passes the answer with its spaces; the grammar has no spaces, so its probability there is zero.
        await using var host = new ServiceHost(_data, engine: null, _checkpoint.Settings());
        const string request = """{"constrained": true, "cases": [{"problem": {"kind": "arithmetic", "numbers": [12, 9, 1, 5], "target": 56}, "answer": " 12 + 9*5 - 1 ", "attempt": "9*5+12"}]}""";
        var response = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(request));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["cases[0].answer"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("grammar", problem.GetProperty("detail").GetString());

        // Unconstrained, the same answer is scored.
        var plain = await host.Client.PostAsync("/teacher-advantage", ServiceApi.Json(request.Replace("\"constrained\": true", "\"constrained\": false")));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
    }

    [Fact]
    public async Task A_benchmark_measures_the_teacher_advantage_on_its_runs_first_step_failures_with_the_real_engine()
    {
        var settings = _checkpoint.Settings();
        settings["Benchmarks:PollMilliseconds"] = "20";
        await using var host = new ServiceHost(_data, engine: null, settings);
        var id = await BenchmarkApi.SubmitAsync(host.Client, """
            {"problems": [{"kind": "arithmetic", "numbers": [3, 5, 7], "target": 22}], "methods": ["best-of-k"],
             "budget": {"maxAttempts": 8, "attemptsPerStep": 8}, "sampling": {"maxNewTokens": 12}, "measureTeacherAdvantage": true}
            """);
        var capture = await BenchmarkApi.WaitForEndAsync(host.Client, id, timeoutSeconds: 60);
        Assert.Equal("completed", capture.Frames[^1].Event);
        var gate = (await BenchmarkApi.GetAsync(host.Client, id)).GetProperty("teacherAdvantage");
        var problem = gate.GetProperty("problems")[0];
        Assert.True(problem.GetProperty("note").ValueKind == JsonValueKind.Null, problem.ToString());
        Assert.InRange(gate.GetProperty("cases").GetInt32(), 1, 8);
        Assert.True(double.IsFinite(gate.GetProperty("meanNats").GetDouble()), gate.ToString());
        Assert.Equal(gate.GetProperty("meanNats").GetDouble(), problem.GetProperty("meanNats").GetDouble(), 9);
    }
}
