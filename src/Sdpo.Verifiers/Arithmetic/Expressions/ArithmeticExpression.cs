using System.Globalization;
using System.Text;

namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// A parsed expression tree. <see cref="Column"/> is the 1-based column of the node's token in the parsed
/// text (the number, or the operator symbol), 0 for trees built in code.
/// </summary>
public abstract record ArithmeticExpression(int Column)
{
    /// <summary>The literals from left to right.</summary>
    public IReadOnlyList<long> Literals()
    {
        var literals = new List<long>();
        var pending = new Stack<ArithmeticExpression>();
        pending.Push(this);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case NumberExpression number:
                    literals.Add(number.Value);
                    break;
                case BinaryExpression binary:
                    pending.Push(binary.Right);
                    pending.Push(binary.Left);
                    break;
            }
        }
        return literals;
    }

    /// <summary>ASCII text with only the parentheses the tree needs; parsing it gives the same tree back.</summary>
    public sealed override string ToString()
    {
        var text = new StringBuilder();
        Write(text, this);
        return text.ToString();
    }

    private static void Write(StringBuilder text, ArithmeticExpression expression)
    {
        switch (expression)
        {
            case NumberExpression number:
                text.Append(number.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case BinaryExpression binary:
                var precedence = binary.Operator.Precedence();
                WriteOperand(text, binary.Left, needsParentheses: PrecedenceOf(binary.Left) < precedence);
                text.Append(binary.Operator.Symbol());
                // The parser groups left to right, so an equal-precedence right operand keeps its parentheses.
                WriteOperand(text, binary.Right, needsParentheses: PrecedenceOf(binary.Right) <= precedence);
                break;
        }
    }

    private static void WriteOperand(StringBuilder text, ArithmeticExpression operand, bool needsParentheses)
    {
        if (needsParentheses) text.Append('(');
        Write(text, operand);
        if (needsParentheses) text.Append(')');
    }

    private static int PrecedenceOf(ArithmeticExpression expression) =>
        expression is BinaryExpression binary ? binary.Operator.Precedence() : int.MaxValue;
}

public sealed record NumberExpression(long Value, int Column = 0) : ArithmeticExpression(Column);

public sealed record BinaryExpression(
    ArithmeticOperator Operator,
    ArithmeticExpression Left,
    ArithmeticExpression Right,
    int Column = 0) : ArithmeticExpression(Column);
