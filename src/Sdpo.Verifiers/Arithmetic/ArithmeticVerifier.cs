using Sdpo.Contracts;

namespace Sdpo.Verifiers.Arithmetic;

/// <summary>
/// Verifies an arithmetic target puzzle answer: one expression that uses each given number exactly once,
/// with + - * / and parentheses, equal to the target in exact rational arithmetic.
/// </summary>
public sealed class ArithmeticVerifier : IVerifier
{
    public ArithmeticVerifier(IReadOnlyList<int> numbers, int target)
    {
        Numbers = numbers;
        Target = target;
    }

    public string Kind => "arithmetic";
    public IReadOnlyList<int> Numbers { get; }
    public int Target { get; }

    public Task<Verdict> VerifyAsync(Attempt attempt, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Filled in by the arithmetic puzzle family.");
}
