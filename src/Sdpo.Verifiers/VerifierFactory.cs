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
    /// <summary>Asynchronous for the python and p3 specs' check, which runs python3 (and first waits for the sandbox's
    /// one-time probe); <paramref name="cancellationToken"/> stops it.</summary>
    /// <exception cref="VerifierSpecException">The JSON is not a valid spec; <c>Field</c> names the culprit.</exception>
    public async Task<IVerifier> CreateAsync(JsonElement spec, string path = VerifierSpecParser.DefaultPath, CancellationToken cancellationToken = default) =>
        await CreateAsync(VerifierSpecParser.Parse(spec, path), path, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="CreateAsync(JsonElement, string, CancellationToken)"/>
    public async Task<IVerifier> CreateAsync(VerifierSpec spec, string path = VerifierSpecParser.DefaultPath, CancellationToken cancellationToken = default) => spec switch
    {
        ExactSpec exact => new ExactVerifier(exact),
        RegexSpec regex => new RegexVerifier(regex),
        NumericSpec numeric => new NumericVerifier(numeric),
        ArithmeticSpec arithmetic => CreateArithmetic(arithmetic, path),
        PythonSpec python => await CreatePythonAsync(python, path, cancellationToken).ConfigureAwait(false),
        P3Spec p3 => await CreateP3Async(p3, path, cancellationToken).ConfigureAwait(false),
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

    private async Task<PythonVerifier> CreatePythonAsync(PythonSpec spec, string path, CancellationToken cancellationToken)
    {
        var sandbox = RequireSandbox(path);
        await PythonVerifier.CheckSpecAsync(spec, sandbox, path, cancellationToken).ConfigureAwait(false);
        return new PythonVerifier(spec, sandbox);
    }

    private async Task<P3Verifier> CreateP3Async(P3Spec spec, string path, CancellationToken cancellationToken)
    {
        var sandbox = RequireSandbox(path);
        await P3Verifier.CheckSpecAsync(spec, sandbox, path, cancellationToken).ConfigureAwait(false);
        return new P3Verifier(spec, sandbox);
    }

    private PythonSandbox RequireSandbox(string path) =>
        pythonSandbox ?? throw new VerifierSpecException($"{path}.kind", "Python verifiers are not enabled on this service");
}
