using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sdpo.Contracts;
using Sdpo.Engine.Checkpoints;
using Sdpo.Engine.Sdpo;

namespace Sdpo.Engine.Discovery;

/// <summary>
/// The per-question search: sample G attempts, verify them concurrently, report each, stop at the first pass,
/// otherwise learn from the feedback (SDPO) or carry it in context (multi-turn, self-teacher) and go on until the budget
/// is spent.
/// Sampling seeds derive from (run seed, step), so a run restored at a step boundary repeats that step exactly.
/// </summary>
public static class DiscoveryLoop
{
    private const string LoopStateFile = "loop.json";
    private const string PolicyStateFolder = "policy";

    public static async IAsyncEnumerable<DiscoveryEvent> RunAsync(
        DiscoveryRequest request,
        IDiscoveryPolicy policy,
        string? stateDirectory = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var budget = request.EffectiveBudget;
        var state = new LoopState { Fingerprint = Fingerprint(request) };
        bool cancelled = false;
        string? failure = null;
        if (stateDirectory is not null)
        {
            try
            {
                state = await RestoreAsync(request, policy, stateDirectory, cancellationToken) ?? state;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }
            catch (Exception e) when (e is IOException or JsonException or EngineException or InvalidDataException)
            {
                failure = $"Could not resume from the saved state: {e.Message}";
            }
        }
        if (failure is not null)
        {
            yield return new Failed(failure);
            yield break;
        }

        while (!cancelled)
        {
            if (state.Attempts >= budget.MaxAttempts)
            {
                yield return new Exhausted(state.Attempts);
                yield break;
            }
            if (cancellationToken.IsCancellationRequested) break;

            var outcome = await RunStepAsync(request, policy, state, cancellationToken);
            foreach (var attempt in outcome.Attempts) yield return attempt;
            if (outcome.Failure is not null)
            {
                yield return new Failed(outcome.Failure);
                yield break;
            }
            if (outcome.Discovery is not null)
            {
                yield return outcome.Discovery;
                yield break;
            }
            if (outcome.Cancelled) break;
            yield return outcome.Step!;

            if (stateDirectory is not null)
            {
                var (saveFailure, saveCancelled) = await SaveRetryingAsync(policy, state, stateDirectory, cancellationToken);
                if (saveFailure is not null)
                {
                    yield return new Failed(saveFailure);
                    yield break;
                }
                if (saveCancelled) break;
            }
        }
        yield return new Cancelled(state.Attempts);
    }

    private sealed class StepOutcome
    {
        public List<AttemptEvaluated> Attempts { get; } = new();
        public StepCompleted? Step { get; set; }
        public Discovered? Discovery { get; set; }
        public string? Failure { get; set; }
        public bool Cancelled { get; set; }
    }

    private static async Task<StepOutcome> RunStepAsync(DiscoveryRequest request, IDiscoveryPolicy policy, LoopState state, CancellationToken cancellationToken)
    {
        var outcome = new StepOutcome();
        var budget = request.EffectiveBudget;
        int count = Math.Min(budget.AttemptsPerStep, budget.MaxAttempts - state.Attempts);
        try
        {
            var contexts = Enumerable.Range(0, count).Select(i => StudentContext(request, policy, state, i)).ToList();

            var clock = Stopwatch.StartNew();
            var redrawn = new List<SampledAttempt>();
            var identities = new AnswerIdentities(request);
            var samples = request.EffectiveSampling.DistinctAttempts
                ? await DrawDistinctAsync(request, policy, state, contexts, identities, redrawn, cancellationToken)
                : await policy.SampleAsync(contexts, request.EffectiveSampling, StepSeed(RunSeed(request), state.Step), cancellationToken);
            double samplingMs = clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            var verdicts = await VerifyAllAsync(request, samples, state.Attempts, state, cancellationToken);
            double verifyingMs = clock.Elapsed.TotalMilliseconds;
            if (request.EffectiveSampling.DistinctAttempts)
                for (int i = 0; i < samples.Count; i++) RememberFailure(identities, state, samples[i].Text, verdicts[i].Verdict);

            for (int i = 0; i < samples.Count; i++)
            {
                int index = state.Attempts + i;
                outcome.Attempts.Add(new AttemptEvaluated(index, state.Step, samples[i].Text, samples[i].TokenIds.Count, verdicts[i].Verdict,
                    new AttemptTimings(samplingMs / samples.Count, verdicts[i].Milliseconds), verdicts[i].Reused));
                if (verdicts[i].Verdict.Passed)
                {
                    outcome.Discovery = new Discovered(index, samples[i].Text);
                    state.Attempts = index + 1;
                    return outcome;
                }
            }
            state.Attempts += samples.Count;
            foreach (var verified in verdicts)
                state.VerifierErrorsInARow = verified.Verdict.Status == VerdictStatus.VerifierError ? state.VerifierErrorsInARow + 1 : 0;
            if (state.VerifierErrorsInARow >= MaxVerifierErrorsInARow)
            {
                // The verifier itself fails (a webhook down, a sandbox missing), not the attempts: every later attempt
                // would be spent the same way.
                outcome.Failure = $"The verifier failed on the last {state.VerifierErrorsInARow} attempts, so the run stopped " +
                                  $"instead of spending its budget: {verdicts[^1].Verdict.Feedback}";
                return outcome;
            }

            UpdateFigures? update = null;
            int trained = 0;
            bool learns = request.EffectiveSdpo.LearningSteps is not { } learningSteps || state.Step < learningSteps;
            if (request.Method == DiscoveryMethod.Sdpo && learns)
            {
                // Redrawn samples are the policy's too, and where their own text failed before their feedback is known: SDPO
                // learns from them as from attempts (one drawn away only as equivalent to a failure has no feedback of its own).
                var known = redrawn.Select(r => (Sample: r, Verdict: state.KnownFailures.GetValueOrDefault(r.Text)))
                    .Where(r => r.Verdict is not null).ToList();
                var training = TrainingAttempts(request, policy, [.. samples, .. known.Select(r => r.Sample)],
                    [.. verdicts.Select(v => v.Verdict), .. known.Select(r => r.Verdict!)]);
                trained = training.Count;
                if (training.Count > 0) update = await policy.UpdateAsync(training, cancellationToken);
            }
            if (CarriesFeedback(request))
            {
                RecordChainFeedback(state, budget.EffectiveChains, verdicts.Select(v => v.Verdict.Feedback).ToList(),
                    samples.Select(s => s.TokenIds.Count).ToList(), latestOnly: request.Method != DiscoveryMethod.MultiTurn);
            }

            outcome.Step = new StepCompleted(state.Step, state.Attempts, update?.Loss, update?.MeanDivergence,
                update?.MeanTeacherStudentLogRatio, update?.GradNorm, trained,
                new StepTimings(samplingMs, verifyingMs, update?.TeacherMs ?? 0, update?.UpdateMs ?? 0), redrawn.Count);
            state.Step++;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Attempts already verified in this step are reported and counted; the step itself is not saved,
            // so a resumed run repeats it with the same indices and texts.
            outcome.Cancelled = true;
        }
        catch (Exception e) when (e is EngineException or InvalidOperationException or ArgumentException or IOException)
        {
            outcome.Failure = e.Message;
        }
        return outcome;
    }

    /// <summary>Verifier errors in a row (attempts the verifier could not judge) that end a run as failed.</summary>
    public const int MaxVerifierErrorsInARow = 8;

    /// <summary>At most this many rounds of drawing again; a repeat left after them stays an attempt.</summary>
    private const int MaxRedrawRounds = 3;

    /// <summary>
    /// A step's samples with <see cref="AttemptSampling.DistinctAttempts"/>: none repeats an answer that already failed in
    /// the run or another sample of the step, unless no new answer came in <see cref="MaxRedrawRounds"/> rounds. The step's
    /// draw carries spare rows in proportion to the previous step's repeats (<see cref="SpareRows"/>), so that most steps
    /// need no second call (a batch of rows costs far less than as many single rows); each round then samples a whole step's worth of candidates, row k
    /// from the context of the k-th repeat modulo their number. Each repeat, in order, takes the first new answer drawn
    /// from its own context. The samples drawn away are added to <paramref name="redrawn"/>.
    /// </summary>
    private static async Task<IReadOnlyList<SampledAttempt>> DrawDistinctAsync(DiscoveryRequest request, IDiscoveryPolicy policy,
        LoopState state, IReadOnlyList<string> contexts, AnswerIdentities identities, List<SampledAttempt> redrawn, CancellationToken cancellationToken)
    {
        int count = contexts.Count;
        var rows = contexts.Concat(Enumerable.Range(0, SpareRows(count, state.RepeatsLastStep)).Select(j => contexts[j % count])).ToList();
        var drawn = await policy.SampleAsync(rows, request.EffectiveSampling, StepSeed(RunSeed(request), state.Step), cancellationToken);
        var current = drawn.Take(count).ToArray();
        var repeats = Repeats(identities, state, current);
        state.RepeatsLastStep = repeats.Count;
        TakeNewAnswers(identities, state, contexts, current, repeats, rows.Skip(count).ToList(), drawn.Skip(count).ToList(), redrawn);

        for (int round = 1; round <= MaxRedrawRounds; round++)
        {
            repeats = Repeats(identities, state, current);
            if (repeats.Count == 0) break;
            var candidateContexts = Enumerable.Range(0, count).Select(k => contexts[repeats[k % repeats.Count]]).ToList();
            var candidates = await policy.SampleAsync(candidateContexts, request.EffectiveSampling,
                RedrawSeed(RunSeed(request), state.Step, round), cancellationToken);
            TakeNewAnswers(identities, state, contexts, current, repeats, candidateContexts, candidates, redrawn);
        }
        return current;
    }

    /// <summary>Spare rows for a step whose previous draw had <paramref name="repeats"/> of <paramref name="count"/>: enough
    /// to replace that many if spare rows repeat as often (repeats over the fresh share), at most three times the step.</summary>
    private static int SpareRows(int count, int repeats) =>
        repeats == 0 ? 0 : Math.Min(3 * count, (int)Math.Ceiling(repeats * (double)count / Math.Max(1, count - repeats)));

    /// <summary>The slots whose answer already failed in the run or repeats an earlier slot's.</summary>
    private static List<int> Repeats(AnswerIdentities identities, LoopState state, SampledAttempt[] current)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeats = new List<int>();
        for (int i = 0; i < current.Length; i++)
        {
            var (identity, key) = identities.Of(current[i].Text);
            if (FailedBefore(state, current[i].Text, key) || !seen.Add(identity)) repeats.Add(i);
        }
        return repeats;
    }

    /// <summary>What makes two answers the same for distinct attempts: the verifier's equivalence key where the request
    /// asks for it and the answer has one (<see cref="AttemptSampling.DistinctEquivalence"/>), else the text. Each text's
    /// key is asked of the verifier once per step, however many rounds and remembered failures look at it.</summary>
    private sealed class AnswerIdentities(DiscoveryRequest request)
    {
        private readonly Dictionary<string, (string Identity, string? Key)> _known = new(StringComparer.Ordinal);

        public (string Identity, string? Key) Of(string text)
        {
            if (_known.TryGetValue(text, out var known)) return known;
            var key = request.EquivalenceKey(text);
            return _known[text] = (key is null ? "text:" + text : "key:" + key, key);
        }
    }

    /// <summary>Whether this answer, or with an equivalence key any answer with that key, already failed in the run.</summary>
    private static bool FailedBefore(LoopState state, string text, string? key) =>
        state.KnownFailures.ContainsKey(text) || (key is not null && state.KnownFailureKeys.Contains(key));

    /// <summary>Gives each of the <paramref name="repeats"/>, in slot order, the first unused candidate from its own context
    /// whose answer is new.</summary>
    private static void TakeNewAnswers(AnswerIdentities identities, LoopState state, IReadOnlyList<string> contexts, SampledAttempt[] current,
        List<int> repeats, IReadOnlyList<string> candidateContexts, IReadOnlyList<SampledAttempt> candidates, List<SampledAttempt> redrawn)
    {
        if (repeats.Count == 0 || candidates.Count == 0) return;
        var taken = current.Select(c => identities.Of(c.Text).Identity).ToHashSet(StringComparer.Ordinal);
        var used = new bool[candidates.Count];
        foreach (int slot in repeats)
        {
            for (int k = 0; k < candidates.Count; k++)
            {
                if (used[k] || candidateContexts[k] != contexts[slot]) continue;
                string text = candidates[k].Text;
                var (identity, key) = identities.Of(text);
                if (FailedBefore(state, text, key) || taken.Contains(identity)) continue;
                used[k] = true;
                taken.Add(identity);
                redrawn.Add(current[slot]);
                current[slot] = candidates[k];
                break;
            }
        }
    }

    /// <summary>Keeps a failed answer for <see cref="AttemptSampling.DistinctAttempts"/>: a verdict that may not repeat
    /// (<see cref="WouldRepeat"/>) does not make its answer known.</summary>
    private static void RememberFailure(AnswerIdentities identities, LoopState state, string text, Verdict verdict)
    {
        if (verdict.Passed || !WouldRepeat(verdict)) return;
        if (state.KnownFailures.Count < MaxKnownVerdicts) state.KnownFailures.TryAdd(text, verdict);
        if (identities.Of(text).Key is { } key && state.KnownFailureKeys.Count < MaxKnownVerdicts) state.KnownFailureKeys.Add(key);
    }

    private static string StudentContext(DiscoveryRequest request, IDiscoveryPolicy policy, LoopState state, int slot)
    {
        string prompt = request.Problem.Prompt;
        int chainIndex = slot % request.EffectiveBudget.EffectiveChains;
        var chain = state.ChainFeedback.Count > chainIndex ? state.ChainFeedback[chainIndex] : [];
        int? feedbackTokens = state.ChainFeedbackTokens.Count > chainIndex ? state.ChainFeedbackTokens[chainIndex] : null;
        return request.Method switch
        {
            DiscoveryMethod.MultiTurn => MultiTurnPrompt.BuildWithin(prompt, chain, ContextRoom(request, policy), policy.CountContextTokens),
            _ when CarriesFeedback(request) => SelfTeacherContext(request, policy, chain.Count > 0 ? chain[^1] : null, feedbackTokens),
            _ => prompt,
        };
    }

    /// <summary>Methods whose chains sample from the feedback of their earlier attempts.</summary>
    private static bool CarriesFeedback(DiscoveryRequest request) =>
        request.Method is DiscoveryMethod.MultiTurn or DiscoveryMethod.SelfTeacher
        || request.Method == DiscoveryMethod.Sdpo && request.EffectiveSdpo.SampleWithFeedback;

    /// <summary>
    /// The teacher's context for the chain's latest feedback, leaving room for an attempt of maxNewTokens. Where no
    /// teacher context fits beside that many, it leaves room for an attempt as long as the one that drew the feedback
    /// (<paramref name="feedbackAttemptTokens"/>) and the sampler stops at the model's context end, as it would for
    /// any context: near the context limit the method still samples from its feedback. The plain prompt when there is
    /// no feedback, or when even that room leaves no teacher context within the cap.
    /// </summary>
    private static string SelfTeacherContext(DiscoveryRequest request, IDiscoveryPolicy policy, string? latestFeedback, int? feedbackAttemptTokens)
    {
        string prompt = request.Problem.Prompt;
        if (!TeacherPrompt.HasSignal(latestFeedback, passingSibling: null)) return prompt;
        int maxNewTokens = request.EffectiveSampling.MaxNewTokens;
        string? Within(int attemptTokens) => TeacherPrompt.BuildWithin(prompt, latestFeedback, passingSibling: null,
            TeacherContextRoom(request, policy, attemptTokens), policy.CountContextTokens);
        return Within(maxNewTokens)
            ?? (feedbackAttemptTokens is { } tokens && tokens < maxNewTokens ? Within(tokens) : null)
            ?? prompt;
    }

    /// <summary>Appends each chain's newest feedback: that of the chain's first attempt in the step that has any
    /// (attempt i belongs to chain i mod chains; its attempts are drawn alike, so the first will do), else its first
    /// attempt's empty one. Self-teacher chains need only the newest, so keep just that, with the length in tokens of
    /// the attempt it came from.</summary>
    private static void RecordChainFeedback(LoopState state, int chains, IReadOnlyList<string> feedback, IReadOnlyList<int> attemptTokens, bool latestOnly)
    {
        while (state.ChainFeedback.Count < chains) state.ChainFeedback.Add(new List<string>());
        while (state.ChainFeedbackTokens.Count < chains) state.ChainFeedbackTokens.Add(0);
        for (int chain = 0; chain < Math.Min(chains, feedback.Count); chain++)
        {
            int first = chain;
            while (first < feedback.Count && string.IsNullOrWhiteSpace(feedback[first])) first += chains;
            if (first >= feedback.Count) first = chain;
            if (latestOnly) state.ChainFeedback[chain].Clear();
            state.ChainFeedback[chain].Add(feedback[first]);
            state.ChainFeedbackTokens[chain] = attemptTokens[first];
        }
    }

    /// <summary>Each failed attempt with feedback, for distillation into the student on the plain question (whatever
    /// context it was sampled from) under the teacher context of its own feedback. With a limit on the attempts
    /// distilled, they are chosen first, so that only their teacher contexts are built (each is tokenized to fit it).
    /// The attempts are already sampled: a teacher context leaves room for the attempt's own tokens, not for maxNewTokens.</summary>
    private static List<TrainingAttempt> TrainingAttempts(DiscoveryRequest request, IDiscoveryPolicy policy,
        IReadOnlyList<SampledAttempt> samples, IReadOnlyList<Verdict> verdicts)
    {
        // A passing sibling would be the teacher's solution; the loop stops at the first pass, so in discovery
        // none exists, but keep the reference template's shape.
        string? sibling = null;
        var candidates = Enumerable.Range(0, samples.Count)
            .Where(i => !verdicts[i].Passed && TeacherPrompt.HasSignal(verdicts[i].Feedback, sibling))
            .ToList();
        if (request.EffectiveSdpo.MaxDistilledAttempts is { } limit) candidates = MostFrequent(candidates, samples, limit);
        var teacherContexts = new Dictionary<(string Feedback, int Room), string?>();
        var attempts = new List<TrainingAttempt>();
        foreach (int i in candidates)
        {
            var feedback = verdicts[i].Feedback;
            int room = TeacherContextRoom(request, policy, samples[i].TokenIds.Count);
            if (!teacherContexts.TryGetValue((feedback, room), out var teacher))
            {
                // A question too long for the cap (or for the model's context beside the attempt) even with the
                // feedback cut away gives no teacher: no loss, as for an attempt without feedback.
                teacher = TeacherPrompt.BuildWithin(request.Problem.Prompt, feedback, sibling, room, policy.CountContextTokens);
                teacherContexts[(feedback, room)] = teacher;
            }
            if (teacher is not null) attempts.Add(new TrainingAttempt(samples[i], request.Problem.Prompt, teacher));
        }
        return attempts;
    }

    /// <summary>The indices of the attempts of the <paramref name="limit"/> most frequent distinct texts among
    /// <paramref name="candidates"/> (ties: the first sampled), every copy kept, in sampling order: the policy weights a
    /// distinct attempt by its count, so these carry the most of the step's loss.</summary>
    private static List<int> MostFrequent(List<int> candidates, IReadOnlyList<SampledAttempt> samples, int limit) =>
        candidates
            .GroupBy(i => samples[i].Text, StringComparer.Ordinal)
            .OrderByDescending(group => group.Count()).ThenBy(group => group.First())
            .Take(limit)
            .SelectMany(group => group)
            .Order()
            .ToList();

    /// <summary>
    /// Verifies a step's attempts concurrently. With <see cref="DiscoveryRequest.ReuseVerdicts"/>, an answer's text is
    /// verified once per run: its copies in the step, and later attempts with the same text, take the verdict of its
    /// first verification (reported as reused, with no verifying time), unless that verdict may not repeat (a timeout,
    /// a memory limit, the verifier's own failure), in which case the next copy is verified again.
    /// </summary>
    private static async Task<VerifiedAttempt[]> VerifyAllAsync(
        DiscoveryRequest request, IReadOnlyList<SampledAttempt> samples, int firstIndex, LoopState state, CancellationToken cancellationToken)
    {
        if (!request.ReuseVerdicts)
            return await Task.WhenAll(samples.Select((sample, i) => VerifyAsync(request, sample.Text, firstIndex + i, cancellationToken)));

        var firstOfText = new Dictionary<string, int>(StringComparer.Ordinal);
        var verifications = new Task<VerifiedAttempt>?[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            string text = samples[i].Text;
            if (state.KnownVerdicts.ContainsKey(text) || !firstOfText.TryAdd(text, i)) continue;
            verifications[i] = VerifyAsync(request, text, firstIndex + i, cancellationToken);
        }
        await Task.WhenAll(verifications.OfType<Task<VerifiedAttempt>>());

        var results = new VerifiedAttempt[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            string text = samples[i].Text;
            if (verifications[i] is { } verified)
            {
                results[i] = verified.Result;
                Remember(state, text, results[i].Verdict);
            }
            else if (state.KnownVerdicts.TryGetValue(text, out var known))
            {
                results[i] = new VerifiedAttempt(known, 0, Reused: true);
            }
            else
            {
                // Its first copy in this step got a verdict that may not repeat: this copy is verified on its own.
                results[i] = await VerifyAsync(request, text, firstIndex + i, cancellationToken);
                Remember(state, text, results[i].Verdict);
            }
        }
        return results;
    }

    /// <summary>Keeps a verdict for reuse if the same answer would get it again (<see cref="WouldRepeat"/>). A run keeps at most
    /// <see cref="MaxKnownVerdicts"/>, its first ones, so that a long run's memory stays flat.</summary>
    private static void Remember(LoopState state, string text, Verdict verdict)
    {
        if (!WouldRepeat(verdict)) return;
        if (state.KnownVerdicts.Count < MaxKnownVerdicts) state.KnownVerdicts[text] = verdict;
    }

    /// <summary>Whether the same answer would get this verdict again: not a limit of time or memory, which depend on the
    /// machine's load, nor the verifier's own failure.</summary>
    private static bool WouldRepeat(Verdict verdict) =>
        verdict.Status is not (VerdictStatus.Timeout or VerdictStatus.MemoryLimit or VerdictStatus.VerifierError);

    private const int MaxKnownVerdicts = 4096;

    private static async Task<VerifiedAttempt> VerifyAsync(DiscoveryRequest request, string text, int index, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Verdict verdict;
        try
        {
            verdict = await request.Verifier.VerifyAsync(new Attempt(request.Problem, text, index), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            verdict = Verdict.Fail(VerdictStatus.VerifierError, $"The verifier failed: {e.Message}");
        }
        // A verifier's own measure leaves out what it waited for before verifying (a free sandbox slot, say).
        var verifying = verdict.Duration > TimeSpan.Zero ? verdict.Duration : clock.Elapsed;
        return new VerifiedAttempt(verdict, verifying.TotalMilliseconds);
    }

    private sealed record VerifiedAttempt(Verdict Verdict, double Milliseconds, bool Reused = false);

    /// <summary>Tokens a context may take so that an attempt of maxNewTokens (and its stop token) still fits after it.</summary>
    private static int ContextRoom(DiscoveryRequest request, IDiscoveryPolicy policy) =>
        ContextRoom(policy, request.EffectiveSampling.MaxNewTokens);

    /// <summary>Tokens a context may take so that an attempt of <paramref name="attemptTokens"/> and its stop token fit after it.</summary>
    private static int ContextRoom(IDiscoveryPolicy policy, int attemptTokens) => policy.MaxContextTokens - attemptTokens - 1;

    /// <summary>Tokens a teacher context may take: SDPO's cap, and room for an attempt of <paramref name="attemptTokens"/> after it.</summary>
    private static int TeacherContextRoom(DiscoveryRequest request, IDiscoveryPolicy policy, int attemptTokens) =>
        Math.Min(request.EffectiveSdpo.MaxTeacherContextTokens, ContextRoom(policy, attemptTokens));

    /// <summary>
    /// The run's sampling seed: the request's seed mixed with its prompt, so that runs of different problems with the
    /// same seed (a benchmark's seeds 1..N on every puzzle) draw independent streams rather than the same random
    /// numbers, while every method on one problem and seed still shares them.
    /// </summary>
    public static long RunSeed(DiscoveryRequest request)
    {
        ulong hash = 14695981039346656037UL; // FNV-1a over the prompt's UTF-16 code units: stable across processes
        foreach (char c in request.Problem.Prompt) hash = unchecked((hash ^ c) * 1099511628211UL);
        return unchecked((long)((ulong)request.Seed ^ hash));
    }

    /// <summary>The seed of a step's <paramref name="round"/>-th redraw, apart from every step's own stream.</summary>
    private static long RedrawSeed(long seed, int step, int round) =>
        StepSeed(unchecked(seed ^ (long)((ulong)round * 0xD6E8FEB86659FD93UL)), step);

    /// <summary>A per-step seed: runs with different seeds or steps never share a sampling stream.</summary>
    public static long StepSeed(long seed, int step) =>
        unchecked((long)(((ulong)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(step + 1) * 0xC2B2AE3D27D4EB4FUL)) & long.MaxValue);

    private static string Fingerprint(DiscoveryRequest request) =>
        JsonSerializer.Serialize(new
        {
            request.Problem.Prompt,
            request.Verifier.Kind,
            Method = request.Method.ToString(),
            // Without chains, the budget as states saved before chains existed wrote it, so those runs still resume.
            Budget = request.EffectiveBudget is { Chains: null } budget ? new { budget.MaxAttempts, budget.AttemptsPerStep } : (object)request.EffectiveBudget,
            // Without the options added later, the sampling as states saved before them wrote it, so those runs still resume.
            Sampling = request.EffectiveSampling switch
            {
                { DistinctAttempts: false } s => new { s.Temperature, s.TopP, s.MaxNewTokens, s.Constrained },
                { DistinctEquivalence: false } s => new { s.Temperature, s.TopP, s.MaxNewTokens, s.Constrained, s.DistinctAttempts },
                var s => (object)s,
            },
            Sdpo = request.EffectiveSdpo,
            request.Seed,
        });

    private static async Task<LoopState?> RestoreAsync(DiscoveryRequest request, IDiscoveryPolicy policy, string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, LoopStateFile);
        if (!File.Exists(path)) return null;
        var state = JsonSerializer.Deserialize<LoopState>(await File.ReadAllTextAsync(path, cancellationToken))
            ?? throw new InvalidDataException($"{path} is empty.");
        if (state.Fingerprint != Fingerprint(request))
            throw new InvalidDataException($"{path} belongs to a different request.");
        // Every committed loop state has its policy's state beside it; without it the run would go on with a fresh
        // adapter and repeat none of what it streamed.
        string policyDirectory = Path.Combine(directory, state.PolicyFolder ?? PolicyStateFolder);
        if (!Directory.Exists(policyDirectory))
            throw new InvalidDataException($"{path} names the policy state {policyDirectory}, which is missing.");
        await policy.LoadAsync(policyDirectory, cancellationToken);
        return state;
    }

    /// <summary>
    /// Removes what only resuming needs from a run's <paramref name="stateDirectory"/> (the loop file and the policy's
    /// state: optimizer moments, student, teacher), for whoever ends the run for good; the engine cannot tell a cancel
    /// that ends a run from one that a restart resumes. What an ended run still serves, the exported adapter
    /// (<see cref="LocalDiscoveryEngine.AdapterFolder"/>), stays.
    /// </summary>
    public static void DiscardResumeState(string stateDirectory)
    {
        if (!Directory.Exists(stateDirectory)) return;
        foreach (var file in Directory.EnumerateFiles(stateDirectory, LoopStateFile + "*")) File.Delete(file);
        // Committed folders, one left by an uncommitted save, and a policy's own staging ones (policy-N.saving-…).
        foreach (var folder in Directory.EnumerateDirectories(stateDirectory, PolicyStateFolder + "*")) Directory.Delete(folder, recursive: true);
        // What an export cut short by a crash left beside the adapter.
        AtomicFolder.RemoveLeftovers(Path.Combine(stateDirectory, LocalDiscoveryEngine.AdapterFolder));
    }

    /// <summary>How long a run waits for a disk that refuses its state (a full one) before it fails.</summary>
    private static readonly TimeSpan SaveRetryLimit = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Saves the state, waiting out a disk that refuses it (full, say: an I/O error) with a growing pause, up to
    /// <see cref="SaveRetryLimit"/>, so that a passing shortage pauses the run instead of failing it. Cancelled while it
    /// waits, the run stops as cancelled and resumes from its last saved step. Returns why it failed, if it did.
    /// </summary>
    private static async Task<(string? Failure, bool Cancelled)> SaveRetryingAsync(IDiscoveryPolicy policy, LoopState state, string directory,
        CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(100);
        var deadline = DateTime.UtcNow + SaveRetryLimit;
        while (true)
        {
            try
            {
                await SaveAsync(policy, state, directory, CancellationToken.None);
                return (null, false);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                try
                {
                    await Task.Delay(pause, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return (null, true);
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or EngineException)
            {
                return ($"Could not save the run's state: {e.Message}", false);
            }
        }
    }

    /// <summary>
    /// Writes the policy's state to a folder of its own for this step, then commits it by replacing the loop file
    /// (which names that folder) atomically, and only then removes older folders. A crash at any point leaves the last
    /// committed pair intact, so a resumed run repeats the interrupted step exactly.
    /// </summary>
    private static async Task SaveAsync(IDiscoveryPolicy policy, LoopState state, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        string folder = $"{PolicyStateFolder}-{state.Step}";
        string policyDirectory = Path.Combine(directory, folder);
        if (Directory.Exists(policyDirectory)) Directory.Delete(policyDirectory, recursive: true); // left by an uncommitted save
        Directory.CreateDirectory(policyDirectory);
        await policy.SaveAsync(policyDirectory, cancellationToken);

        state.PolicyFolder = folder;
        string path = Path.Combine(directory, LoopStateFile);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(state), cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);

        foreach (var stale in Directory.EnumerateDirectories(directory, PolicyStateFolder + "*"))
            if (Path.GetFileName(stale) != folder) Directory.Delete(stale, recursive: true);
    }

    private sealed class LoopState
    {
        public string Fingerprint { get; set; } = "";
        public int Step { get; set; }
        public int Attempts { get; set; }
        /// <summary>The folder beside the loop file that holds the policy's state of this step; null in states saved
        /// before steps had folders of their own ("policy").</summary>
        public string? PolicyFolder { get; set; }
        public List<List<string>> ChainFeedback { get; set; } = new();
        /// <summary>Per chain, the tokens of the attempt its latest feedback came from; empty in states saved before it.</summary>
        public List<int> ChainFeedbackTokens { get; set; } = new();
        /// <summary>Verdicts by answer text, for reuse; not saved, so a resumed run verifies its answers afresh.</summary>
        [JsonIgnore] public Dictionary<string, Verdict> KnownVerdicts { get; } = new(StringComparer.Ordinal);
        /// <summary>Failed answers by text, with <see cref="AttemptSampling.DistinctAttempts"/>: saved, so a resumed run
        /// draws again what the uninterrupted one would.</summary>
        public Dictionary<string, Verdict> KnownFailures { get; set; } = new(StringComparer.Ordinal);
        /// <summary>Equivalence keys of failed answers, with <see cref="AttemptSampling.DistinctEquivalence"/>; saved.</summary>
        public HashSet<string> KnownFailureKeys { get; set; } = new(StringComparer.Ordinal);
        /// <summary>How many of the previous step's first draw were repeats: the spare rows of the next draw.</summary>
        public int RepeatsLastStep { get; set; }
        /// <summary>Attempts in a row the verifier could not judge (<see cref="VerdictStatus.VerifierError"/>).</summary>
        public int VerifierErrorsInARow { get; set; }
    }
}
