namespace Sdpo.Verifiers.Arithmetic.Expressions;

public enum ArithmeticOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
}

public static class ArithmeticOperatorExtensions
{
    /// <summary>The ASCII symbol used in answers and feedback.</summary>
    public static char Symbol(this ArithmeticOperator op) => op switch
    {
        ArithmeticOperator.Add => '+',
        ArithmeticOperator.Subtract => '-',
        ArithmeticOperator.Multiply => '*',
        ArithmeticOperator.Divide => '/',
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown arithmetic operator."),
    };

    /// <summary>1 for + and -, 2 for * and /.</summary>
    public static int Precedence(this ArithmeticOperator op) =>
        op is ArithmeticOperator.Multiply or ArithmeticOperator.Divide ? 2 : 1;

    public static bool IsCommutative(this ArithmeticOperator op) =>
        op is ArithmeticOperator.Add or ArithmeticOperator.Multiply;
}
