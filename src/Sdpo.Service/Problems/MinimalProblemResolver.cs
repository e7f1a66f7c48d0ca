using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;

namespace Sdpo.Service.Problems;

/// <summary>
/// The problem shapes the service understands until the verifier spec factory is wired in:
/// <c>{"kind":"arithmetic","numbers":[...],"target":n}</c>, which renders its own prompt, and
/// <c>{"prompt":"...","verifier":{"kind":"exact","expected":"..."}}</c>.
/// </summary>
public sealed class MinimalProblemResolver : IProblemResolver
{
    public const int MaxArithmeticNumbers = 8;

    public ResolvedProblem Resolve(JsonElement problem)
    {
        if (problem.ValueKind != JsonValueKind.Object)
            throw new ProblemSpecException("problem", "problem must be a JSON object.");

        if (problem.TryGetProperty("kind", out var kind))
        {
            if (kind.ValueKind != JsonValueKind.String) throw new ProblemSpecException("problem.kind", "problem.kind must be a string.");
            return kind.GetString() switch
            {
                "arithmetic" => ResolveArithmetic(problem),
                var other => throw new ProblemSpecException("problem.kind", $"Unknown problem kind '{other}'. Known kinds: arithmetic (or give a prompt and a verifier)."),
            };
        }

        if (!problem.TryGetProperty("prompt", out var promptElement) || promptElement.ValueKind != JsonValueKind.String)
            throw new ProblemSpecException("problem.prompt", "problem needs either a kind or a prompt string and a verifier.");
        var prompt = promptElement.GetString()!;
        if (string.IsNullOrWhiteSpace(prompt)) throw new ProblemSpecException("problem.prompt", "problem.prompt must not be empty.");
        if (!problem.TryGetProperty("verifier", out var verifier) || verifier.ValueKind != JsonValueKind.Object)
            throw new ProblemSpecException("problem.verifier", "problem.verifier must be an object with a kind.");
        var id = problem.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        return new ResolvedProblem(new Problem(prompt, id), ResolveVerifier(verifier));
    }

    private static IVerifier ResolveVerifier(JsonElement verifier)
    {
        if (!verifier.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            throw new ProblemSpecException("problem.verifier.kind", "problem.verifier.kind must be a string.");
        switch (kind.GetString())
        {
            case "exact":
                if (!verifier.TryGetProperty("expected", out var expected) || expected.ValueKind != JsonValueKind.String)
                    throw new ProblemSpecException("problem.verifier.expected", "An exact verifier needs an expected string.");
                return new ExactAnswerVerifier(expected.GetString()!);
            case var other:
                throw new ProblemSpecException("problem.verifier.kind", $"Unknown verifier kind '{other}'. Known kinds: exact.");
        }
    }

    private static ResolvedProblem ResolveArithmetic(JsonElement problem)
    {
        if (!problem.TryGetProperty("numbers", out var numbersElement) || numbersElement.ValueKind != JsonValueKind.Array)
            throw new ProblemSpecException("problem.numbers", "An arithmetic problem needs a numbers array.");
        var numbers = new List<int>();
        foreach (var item in numbersElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var number))
                throw new ProblemSpecException("problem.numbers", "problem.numbers must hold integers.");
            numbers.Add(number);
        }
        if (numbers.Count < 2 || numbers.Count > MaxArithmeticNumbers)
            throw new ProblemSpecException("problem.numbers", $"problem.numbers must hold between 2 and {MaxArithmeticNumbers} integers.");
        if (!problem.TryGetProperty("target", out var targetElement) || targetElement.ValueKind != JsonValueKind.Number || !targetElement.TryGetInt32(out var target))
            throw new ProblemSpecException("problem.target", "An arithmetic problem needs an integer target.");

        var prompt = $"Using each of the numbers {string.Join(", ", numbers)} exactly once, with + - * / and parentheses, " +
                     $"write an expression equal to {target}. Answer with the expression only.";
        return new ResolvedProblem(new Problem(prompt), new ArithmeticVerifier(numbers, target));
    }
}
