using System.Text.Json;
using Sdpo.Contracts;
using Sdpo.Verifiers.Arithmetic;
using Sdpo.Verifiers.Http;
using Sdpo.Verifiers.Python;
using Sdpo.Verifiers.Sandbox;
using Sdpo.Verifiers.Specs;
using Sdpo.Verifiers.Text;

namespace Sdpo.Verifiers;

/// <summary>
/// Builds the verifier a spec describes. The sandbox and webhook client are shared services (concurrency
/// slots, connection pool, circuits); kinds that need one that was not given fail with a spec exception.
/// The attempt carries its problem, so a spec is all a verifier needs. A python or p3 spec's code is compiled here
/// (not run), so code that can never work is a spec exception rather than a verifier error on every attempt.
/// </summary>
public sealed class VerifierFactory(PythonSandbox? pythonSandbox = null, WebhookClient? webhookClient = null)
{
    /// <exception cref="VerifierSpecException">The JSON is not a valid spec; <c>Field</c> names the culprit.</exception>
    public IVerifier Create(JsonElement spec, string path = VerifierSpecParser.DefaultPath) =>
        Create(VerifierSpecParser.Parse(spec, path), path);

    public IVerifier Create(VerifierSpec spec, string path = VerifierSpecParser.DefaultPath) => spec switch
    {
        ExactSpec exact => new ExactVerifier(exact),
        RegexSpec regex => new RegexVerifier(regex),
        NumericSpec numeric => new NumericVerifier(numeric),
        ArithmeticSpec arithmetic => CreateArithmetic(arithmetic, path),
        PythonSpec python => CreatePython(python, path),
        P3Spec p3 => CreateP3(p3, path),
        HttpSpec http => new HttpVerifier(http,
            webhookClient ?? throw new VerifierSpecException($"{path}.kind", "http verifiers are not enabled on this service")),
        _ => throw new VerifierSpecException($"{path}.kind", $"verifier kind '{spec.Kind}' is not supported"),
    };

    private static ArithmeticVerifier CreateArithmetic(ArithmeticSpec spec, string path)
    {
        try
        {
            return new ArithmeticVerifier(spec.Numbers, spec.Target);
        }
        catch (InvalidArithmeticPuzzleException e)
        {
            throw new VerifierSpecException($"{path}.{e.Field}", e.Problem);
        }
    }

    private PythonVerifier CreatePython(PythonSpec spec, string path)
    {
        var sandbox = RequireSandbox(path);
        PythonVerifier.CheckSpec(spec, sandbox, path);
        return new PythonVerifier(spec, sandbox);
    }

    private P3Verifier CreateP3(P3Spec spec, string path)
    {
        var sandbox = RequireSandbox(path);
        P3Verifier.CheckSpec(spec, sandbox, path);
        return new P3Verifier(spec, sandbox);
    }

    private PythonSandbox RequireSandbox(string path) =>
        pythonSandbox ?? throw new VerifierSpecException($"{path}.kind", "Python verifiers are not enabled on this service");
}
