using Sdpo.Contracts;
using Sdpo.Engine.Discovery;

namespace Sdpo.Service.Api;

/// <summary>Maps JSON paths and engine option errors to the request field a 400 names.</summary>
public static class RequestFields
{
    /// <summary>"$.budget.maxAttempts" → "budget.maxAttempts"; the body itself for "$".</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return trimmed.Length == 0 ? "body" : trimmed;
    }

    /// <summary>Runs an engine option record's Validate(); its out-of-range error becomes a 400 naming "section.option".</summary>
    public static void ValidateOptions(string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            var name = ex.ParamName is { Length: > 0 } p ? char.ToLowerInvariant(p[0]) + p[1..] : "";
            var message = ex.Message;
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new RequestFieldException(name.Length > 0 ? $"{section}.{name}" : section, message);
        }
    }

    /// <summary>sampling.constrained needs the problem's verifier to define well-formed answers.</summary>
    public static void CheckConstrained(AttemptSampling sampling, IVerifier verifier, string problemField)
    {
        if (sampling.Constrained && verifier is not IGrammarVerifier)
            throw new RequestFieldException("sampling.constrained",
                $"sampling.constrained needs a verifier that defines well-formed answers (arithmetic problems have one); {problemField} uses the '{verifier.Kind}' verifier, which has none.");
    }
}
