using System.Globalization;
using System.Text;

namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// A normal form that identifies expressions equal up to commutativity and associativity of + and *, and up
/// to moving '-' and '/' through brackets: a-(b-c) and a+c-b, a/(b/c) and a*c/b, (b+a)*c and c*(a+b) all
/// have one form. Sums are flattened into signed terms, products into numerator and denominator factors,
/// each side sorted (numbers first, largest first, then compound parts in ordinal order). The form is itself
/// a valid expression with the same value and the same literals. Distributivity is not applied, so
/// a*(b+c) and a*b+a*c stay different solutions.
/// </summary>
public static class CanonicalExpression
{
    public static string Of(ArithmeticExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return Normalise(expression).Text;
    }

    private abstract record Node(string Text);

    private sealed record Leaf(long Value) : Node(Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Terms are leaves or products; at least one is positive.</summary>
    private sealed record Sum(string Text) : Node(Text);

    /// <summary>Factors are leaves or sums; at least one is in the numerator.</summary>
    private sealed record Product(string Text) : Node(Text);

    private readonly record struct Part(bool Positive, Node Node);

    private static Node Normalise(ArithmeticExpression expression)
    {
        switch (expression)
        {
            case NumberExpression number:
                return new Leaf(number.Value);
            case BinaryExpression { Operator: ArithmeticOperator.Add or ArithmeticOperator.Subtract }:
            {
                var terms = new List<Part>();
                CollectParts(expression, positive: true, precedence: 1, terms);
                return new Sum(Join(terms, '+', '-', wrap: false));
            }
            case BinaryExpression:
            {
                var factors = new List<Part>();
                CollectParts(expression, positive: true, precedence: 2, factors);
                return new Product(Join(factors, '*', '/', wrap: true));
            }
            default:
                throw new ArgumentException($"Unknown expression node {expression.GetType().Name}.", nameof(expression));
        }
    }

    /// <summary>Flattens a run of same-precedence operations; '-' and '/' flip the sign of their right side.</summary>
    private static void CollectParts(ArithmeticExpression expression, bool positive, int precedence, List<Part> parts)
    {
        if (expression is BinaryExpression binary && binary.Operator.Precedence() == precedence)
        {
            CollectParts(binary.Left, positive, precedence, parts);
            var inverts = !binary.Operator.IsCommutative();
            CollectParts(binary.Right, inverts ? !positive : positive, precedence, parts);
            return;
        }
        parts.Add(new Part(positive, Normalise(expression)));
    }

    private static string Join(List<Part> parts, char positiveSymbol, char negativeSymbol, bool wrap)
    {
        parts.Sort(ComparePart);
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            if (text.Length > 0) text.Append(part.Positive ? positiveSymbol : negativeSymbol);
            // Only a sum inside a product needs brackets; a product inside a sum binds tighter anyway.
            var bracket = wrap && part.Node is Sum;
            if (bracket) text.Append('(');
            text.Append(part.Node.Text);
            if (bracket) text.Append(')');
        }
        return text.ToString();
    }

    private static int ComparePart(Part a, Part b)
    {
        if (a.Positive != b.Positive) return a.Positive ? -1 : 1;
        return (a.Node, b.Node) switch
        {
            (Leaf x, Leaf y) => y.Value.CompareTo(x.Value),
            (Leaf, _) => -1,
            (_, Leaf) => 1,
            _ => string.CompareOrdinal(a.Node.Text, b.Node.Text),
        };
    }
}
