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
/// The attempt carries its problem, so a spec is all a verifier needs.
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
        PythonSpec python => new PythonVerifier(python, RequireSandbox(path)),
        P3Spec p3 => new P3Verifier(p3, RequireSandbox(path)),
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

    private PythonSandbox RequireSandbox(string path) =>
        pythonSandbox ?? throw new VerifierSpecException($"{path}.kind", "Python verifiers are not enabled on this service");
}
