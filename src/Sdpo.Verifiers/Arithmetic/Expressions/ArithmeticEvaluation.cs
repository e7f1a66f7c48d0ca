namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>One operation with its operand values, in evaluation order: "13-9 = 4", "3-(8/3) = 1/3".</summary>
public sealed record EvaluationStep(Rational Left, ArithmeticOperator Operator, Rational Right, Rational Result)
{
    public override string ToString() => $"{Operation(Left, Operator, Right)} = {Result}";

    /// <summary>"a op b" where negative or fractional operands are parenthesised, so "8/(1/3)" cannot be misread.</summary>
    internal static string Operation(Rational left, ArithmeticOperator op, Rational right) =>
        $"{Operand(left)}{op.Symbol()}{Operand(right)}";

    private static string Operand(Rational value) => value.IsInteger && value.Sign >= 0 ? value.ToString() : $"({value})";
}

public enum EvaluationFailureKind
{
    DivisionByZero,
    /// <summary>A value left the exact 64-bit rational range.</summary>
    Overflow,
}

/// <summary>The operation that could not be carried out.</summary>
public sealed record EvaluationFailure(EvaluationFailureKind Kind, Rational Left, ArithmeticOperator Operator, Rational Right)
{
    public override string ToString() => Kind == EvaluationFailureKind.DivisionByZero
        ? $"{EvaluationStep.Operation(Left, Operator, Right)} divides by zero"
        : $"{EvaluationStep.Operation(Left, Operator, Right)} is too large";
}

/// <summary>
/// The steps carried out in evaluation order (left operand, then right, then the operation), and either the
/// final <see cref="Value"/> or the <see cref="Failure"/> that stopped evaluation.
/// </summary>
public sealed record ArithmeticEvaluation(IReadOnlyList<EvaluationStep> Steps, Rational? Value, EvaluationFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

public static class ArithmeticEvaluator
{
    public static ArithmeticEvaluation Evaluate(ArithmeticExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var steps = new List<EvaluationStep>();
        var values = new Stack<Rational>();
        // Iterative post-order walk: a tree built in code may be deeper than the parser would allow.
        var pending = new Stack<(ArithmeticExpression Node, bool OperandsDone)>();
        pending.Push((expression, false));
        while (pending.Count > 0)
        {
            var (node, operandsDone) = pending.Pop();
            switch (node)
            {
                case NumberExpression number:
                    values.Push(number.Value);
                    break;
                case BinaryExpression binary when !operandsDone:
                    pending.Push((binary, true));
                    pending.Push((binary.Right, false));
                    pending.Push((binary.Left, false));
                    break;
                case BinaryExpression binary:
                    var right = values.Pop();
                    var left = values.Pop();
                    if (!TryApply(binary.Operator, left, right, out var result, out var failureKind))
                        return new ArithmeticEvaluation(steps, null, new EvaluationFailure(failureKind, left, binary.Operator, right));
                    steps.Add(new EvaluationStep(left, binary.Operator, right, result));
                    values.Push(result);
                    break;
            }
        }
        return new ArithmeticEvaluation(steps, values.Pop(), null);
    }

    /// <summary>Applies one operation exactly; false with the reason on division by zero or overflow.</summary>
    public static bool TryApply(ArithmeticOperator op, Rational left, Rational right, out Rational result, out EvaluationFailureKind failure)
    {
        failure = EvaluationFailureKind.Overflow;
        switch (op)
        {
            case ArithmeticOperator.Add:
                return Rational.TryAdd(left, right, out result);
            case ArithmeticOperator.Subtract:
                return Rational.TrySubtract(left, right, out result);
            case ArithmeticOperator.Multiply:
                return Rational.TryMultiply(left, right, out result);
            case ArithmeticOperator.Divide:
                if (right.IsZero) failure = EvaluationFailureKind.DivisionByZero;
                return Rational.TryDivide(left, right, out result);
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown arithmetic operator.");
        }
    }
}
