using System.Text.Json;
using Microsoft.Extensions.Options;
using Sdpo.Contracts;
using Sdpo.Verifiers;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Specs;

namespace Sdpo.Service.Problems;

/// <summary>
/// The problem shapes a request may carry: a built-in kind, <c>{"kind":"arithmetic","numbers":[3,5,7],"target":22}</c>,
/// which renders its own prompt and verifier, or <c>{"prompt":"...","verifier":{...},"id":"..."}</c> with any verifier
/// spec the <see cref="VerifierFactory"/> knows (exact, regex, numeric, arithmetic, python, p3, http). Errors name the
/// field by its path in the request ("problem.numbers", "problem.verifier.pattern"). A Python or P3 spec may ask for
/// a timeout or memory limit only up to the service's caps (<see cref="PythonVerifierOptions"/>), and an HTTP spec may not
/// name an address the webhook client refuses to call (<see cref="HttpVerifierOptions.AllowPrivateNetworks"/>).
/// </summary>
public sealed class ProblemSpecResolver(VerifierFactory verifiers, IOptions<PythonVerifierOptions> python, IOptions<HttpVerifierOptions> http)
    : IProblemResolver
{
    private const string ProblemPath = "problem";
    private const string VerifierPath = "problem.verifier";
    public const int MaxIdLength = 256;
    private static readonly string[] PromptFields = ["prompt", "verifier", "id"];

    public async Task<ResolvedProblem> ResolveAsync(JsonElement problem, CancellationToken cancellationToken)
    {
        if (problem.ValueKind != JsonValueKind.Object)
            throw new ProblemSpecException(ProblemPath, "problem must be a JSON object.");
        // Every string below is read with GetString(), which throws on text that is not Unicode: refuse it first.
        if (JsonText.FindInvalid(problem, ProblemPath) is { } notText) throw new ProblemSpecException(notText.Field, notText.Message);

        if (problem.TryGetProperty("kind", out var kind))
        {
            if (kind.ValueKind != JsonValueKind.String) throw new ProblemSpecException("problem.kind", "problem.kind must be a string.");
            return kind.GetString() switch
            {
                ArithmeticPuzzle.KindName => ResolveArithmetic(problem),
                var other => throw new ProblemSpecException("problem.kind",
                    $"Unknown problem kind '{other}'. Known kinds: {ArithmeticPuzzle.KindName} (or give a prompt and a verifier)."),
            };
        }
        return await ResolvePromptAndVerifierAsync(problem, cancellationToken);
    }

    private static ResolvedProblem ResolveArithmetic(JsonElement problem)
    {
        try
        {
            var puzzle = ArithmeticPuzzle.FromJson(problem);
            return new ResolvedProblem(new Problem(puzzle.RenderPrompt()), puzzle.CreateVerifier());
        }
        catch (InvalidArithmeticPuzzleException ex)
        {
            var field = ex.Field == "spec" ? ProblemPath : $"{ProblemPath}.{ex.Field}";
            throw new ProblemSpecException(field, $"{field}: {ex.Problem}");
        }
    }

    private async Task<ResolvedProblem> ResolvePromptAndVerifierAsync(JsonElement problem, CancellationToken cancellationToken)
    {
        foreach (var property in problem.EnumerateObject())
        {
            if (!PromptFields.Contains(property.Name, StringComparer.Ordinal))
                throw new ProblemSpecException($"{ProblemPath}.{property.Name}",
                    $"'{ProblemPath}.{property.Name}' is not a known field; a problem has a kind, or a prompt, a verifier and an optional id.");
        }

        if (!problem.TryGetProperty("prompt", out var promptElement) || promptElement.ValueKind != JsonValueKind.String)
            throw new ProblemSpecException("problem.prompt", "problem needs either a kind or a prompt string and a verifier.");
        var prompt = promptElement.GetString()!;
        if (string.IsNullOrWhiteSpace(prompt)) throw new ProblemSpecException("problem.prompt", "problem.prompt must not be empty.");

        string? id = null;
        if (problem.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind != JsonValueKind.String || idElement.GetString()!.Length > MaxIdLength)
                throw new ProblemSpecException("problem.id", $"problem.id must be a string of at most {MaxIdLength} characters.");
            id = idElement.GetString();
        }

        if (!problem.TryGetProperty("verifier", out var verifier) || verifier.ValueKind != JsonValueKind.Object)
            throw new ProblemSpecException("problem.verifier", "problem.verifier must be an object with a kind.");
        try
        {
            var spec = VerifierSpecParser.Parse(verifier, VerifierPath);
            CheckSandboxCaps(spec);
            CheckWebhookAddress(spec);
            return new ResolvedProblem(new Problem(prompt, id), await verifiers.CreateAsync(spec, VerifierPath, cancellationToken));
        }
        catch (VerifierSpecException ex)
        {
            throw new ProblemSpecException(ex.Field, ex.Message);
        }
        catch (InvalidArithmeticPuzzleException ex)
        {
            // The spec parser takes up to 16 numbers of any size; the verifier enforces the puzzle's own rules.
            var field = $"problem.verifier.{ex.Field}";
            throw new ProblemSpecException(field, $"{field}: {ex.Problem}");
        }
    }

    /// <summary>A webhook on an address literal the client refuses would fail every attempt as a verifier error, each
    /// spending budget: refused at submission instead. Host names are resolved, and judged, only at each call.</summary>
    private void CheckWebhookAddress(VerifierSpec spec)
    {
        if (spec is HttpSpec webhook && !http.Value.AllowPrivateNetworks && WebhookUrl.IsNonPublicAddressLiteral(webhook.Url))
            throw new VerifierSpecException($"{VerifierPath}.url",
                $"'{webhook.Url.IdnHost}' is a loopback, private or other special-use address, which this service does not call " +
                $"({HttpVerifierOptions.SectionName}:AllowPrivateNetworks is false); give a public address or host name");
    }

    /// <summary>The sandbox cuts a longer timeout or a larger memory limit down to its configured caps, so a spec that
    /// asks for more would silently get less: it is refused instead, naming the cap.</summary>
    private void CheckSandboxCaps(VerifierSpec spec)
    {
        var (timeoutSeconds, memoryMb) = spec switch
        {
            PythonSpec p => (p.TimeoutSeconds, p.MemoryMb),
            P3Spec p3 => (p3.TimeoutSeconds, null),
            _ => ((double?)null, (int?)null),
        };
        var caps = python.Value;
        if (timeoutSeconds > caps.MaxTimeoutSeconds)
            throw new VerifierSpecException($"{VerifierPath}.timeoutSeconds",
                $"is {timeoutSeconds}; this service runs a verification for at most {caps.MaxTimeoutSeconds} seconds ({PythonVerifierOptions.SectionName}:MaxTimeoutSeconds)");
        if (memoryMb > caps.MaxMemoryMb)
            throw new VerifierSpecException($"{VerifierPath}.memoryMb",
                $"is {memoryMb}; this service gives a verification at most {caps.MaxMemoryMb} MB ({PythonVerifierOptions.SectionName}:MaxMemoryMb)");
    }
}
