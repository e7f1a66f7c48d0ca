using System.Diagnostics;
using System.Globalization;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// Verifies an arithmetic target puzzle answer: one expression that uses each given number exactly once,
/// with + - * / and parentheses, equal to the target in exact rational arithmetic.
/// <para>
/// The answer is read by <see cref="ArithmeticAnswer"/> (first non-blank line, optional "Answer:" label,
/// optional trailing "= N" claim). Status: <see cref="VerdictStatus.Passed"/>;
/// <see cref="VerdictStatus.Invalid"/> when the answer does not parse or a value overflows a 64-bit
/// rational; <see cref="VerdictStatus.Wrong"/> for a well-formed answer with the wrong value, the wrong
/// numbers, a division by zero or a false "= N" claim.
/// </para>
/// <para>
/// The feedback is short, deterministic ASCII meant for a small model's context, and only ever describes
/// the attempt itself: its parse error with the column, or every operation in evaluation order, the final
/// value against the target, and the number mismatches, e.g.
/// "13-9 = 4; 6+4 = 10; 4*10 = 40; 40 is 16 more than the target 24. Numbers: 3 not used."
/// </para>
/// </summary>
public sealed class ArithmeticVerifier : IGrammarVerifier, ISolvingVerifier, IEquivalenceVerifier
{
    /// <summary>More operations than a 6-number answer needs are cut to keep the feedback short.</summary>
    public const int MaxStepsShown = 6;

    /// <summary>Throws <see cref="InvalidArithmeticPuzzleException"/> (naming the field) for a puzzle outside the limits of <see cref="ArithmeticPuzzle"/>.</summary>
    public ArithmeticVerifier(IReadOnlyList<int> numbers, int target)
    {
        ArithmeticPuzzle.Validate(numbers, target);
        Numbers = numbers.ToArray();
        Target = target;
        _targetText = target.ToString(CultureInfo.InvariantCulture);
        AnswerGrammar = new ArithmeticAnswerGrammar(Numbers);
    }

    // Feedback must not depend on the machine's culture (a minus sign can be U+2212 in some).
    private readonly string _targetText;

    public string Kind => ArithmeticPuzzle.KindName;
    public IReadOnlyList<int> Numbers { get; }
    public int Target { get; }

    /// <summary>Well-formed answers that use each given number once (<see cref="ArithmeticAnswerGrammar"/>).</summary>
    public IAnswerGrammar AnswerGrammar { get; }

    /// <summary>By <see cref="ArithmeticPuzzle.NearestSolution"/>; the puzzle is solved once, on first use.</summary>
    public string? NearestSolution(string attempt) => (_puzzle ??= new ArithmeticPuzzle(Numbers, Target)).NearestSolution(attempt);

    private ArithmeticPuzzle? _puzzle;

    /// <summary>The numbers the answer uses, sorted, and its exact value: whether it passes depends on nothing else. Null
    /// for an answer that does not parse, cannot be evaluated or claims a false value (it is judged by its text alone).</summary>
    public string? EquivalenceKey(string answer)
    {
        if (!ArithmeticAnswer.TryExtract(answer, out var extracted, out _) || !extracted.TryParse(out var expression, out _)) return null;
        var evaluation = ArithmeticEvaluator.Evaluate(expression);
        if (evaluation.Failure is not null || evaluation.Value is not { } value) return null;
        if (extracted.ClaimedValue is { } claimed && value != claimed) return null;
        var numbers = expression.Literals().Order().Select(n => n.ToString(CultureInfo.InvariantCulture));
        return $"{string.Join(",", numbers)}={value}";
    }

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        Verdict verdict;
        try
        {
            verdict = Check(attempt.Text);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            verdict = Verdict.Fail(VerdictStatus.VerifierError, $"arithmetic verifier failed: {failure.GetType().Name}: {failure.Message}");
        }
        return Task.FromResult(verdict with { Duration = clock.Elapsed });
    }

    /// <summary>The verdict for one answer text, synchronously (the whole check is pure CPU work on at most one short line).</summary>
    public Verdict Check(string? answerText)
    {
        if (!ArithmeticAnswer.TryExtract(answerText, out var answer, out var extractError))
            return Verdict.Fail(VerdictStatus.Invalid, Sentence(extractError.Message));
        if (!answer.TryParse(out var expression, out var parseError))
            return Verdict.Fail(VerdictStatus.Invalid, Sentence(parseError.Message));

        var evaluation = ArithmeticEvaluator.Evaluate(expression);
        var mismatches = NumberUsage.Mismatches(Numbers, expression.Literals());
        var parts = new List<string>();
        var steps = evaluation.Steps.Select(s => s.ToString()).ToList();
        if (steps.Count > MaxStepsShown)
            steps = [.. steps.Take(MaxStepsShown - 1), $"({steps.Count - MaxStepsShown + 1} more steps)"];

        if (evaluation.Failure is { } failure)
        {
            steps.Add(failure.ToString());
            parts.Add(Sentence(string.Join("; ", steps)));
            if (mismatches.Count > 0) parts.Add(NumbersSentence(mismatches));
            var status = failure.Kind == EvaluationFailureKind.Overflow ? VerdictStatus.Invalid : VerdictStatus.Wrong;
            return Verdict.Fail(status, string.Join(" ", parts));
        }

        var value = evaluation.Value!.Value;
        steps.Add(CompareWithTarget(value));
        parts.Add(Sentence(string.Join("; ", steps)));
        if (mismatches.Count > 0) parts.Add(NumbersSentence(mismatches));
        var claimIsFalse = answer.ClaimedValue is { } claimed && value != claimed;
        if (claimIsFalse) parts.Add($"You wrote = {answer.ClaimedValue!.Value.ToString(CultureInfo.InvariantCulture)}, but the value is {value}.");

        var feedback = string.Join(" ", parts);
        var metadata = new Dictionary<string, string> { ["value"] = value.ToString(), ["target"] = _targetText };
        return value == Target && mismatches.Count == 0 && !claimIsFalse
            ? new Verdict(VerdictStatus.Passed, feedback, Metadata: metadata)
            : new Verdict(VerdictStatus.Wrong, feedback, Metadata: metadata);
    }

    private string CompareWithTarget(Rational value)
    {
        if (value == Target) return $"{value} equals the target {_targetText}";
        var above = value > Target;
        var gap = above ? Rational.TrySubtract(value, Target, out var d) : Rational.TrySubtract(Target, value, out d);
        var direction = above ? "more" : "less";
        return gap ? $"{value} is {d} {direction} than the target {_targetText}" : $"{value} is far {direction} than the target {_targetText}";
    }

    private static string NumbersSentence(IReadOnlyList<string> mismatches) => $"Numbers: {string.Join("; ", mismatches)}.";

    private static string Sentence(string text) => text + ".";
}
