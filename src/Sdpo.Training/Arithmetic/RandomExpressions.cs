using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Training.Arithmetic;

/// <summary>
/// Random expression trees over given numbers, and small edits of them. Puzzles for pretraining are made
/// backwards: draw numbers, combine them at random, and take the value as the target, so every puzzle is
/// solvable and comes with an answer without running the solver.
/// </summary>
public static class RandomExpressions
{
    private static readonly ArithmeticOperator[] Operators =
        { ArithmeticOperator.Add, ArithmeticOperator.Add, ArithmeticOperator.Subtract, ArithmeticOperator.Subtract,
          ArithmeticOperator.Multiply, ArithmeticOperator.Multiply, ArithmeticOperator.Divide };

    /// <summary>Combines all the numbers, each once, into one random tree (Countdown style: any two subtrees at a time).</summary>
    public static ArithmeticExpression Combine(IReadOnlyList<int> numbers, Random random)
    {
        var nodes = numbers.Select(n => (ArithmeticExpression)new NumberExpression(n)).ToList();
        while (nodes.Count > 1)
        {
            int i = random.Next(nodes.Count);
            var left = nodes[i];
            nodes.RemoveAt(i);
            int j = random.Next(nodes.Count);
            var right = nodes[j];
            nodes.RemoveAt(j);
            nodes.Add(new BinaryExpression(Operators[random.Next(Operators.Length)], left, right));
        }
        return nodes[0];
    }

    /// <summary>The exact value, or null on division by zero or overflow.</summary>
    public static Rational? ValueOf(ArithmeticExpression expression)
    {
        var evaluation = ArithmeticEvaluator.Evaluate(expression);
        return evaluation.Succeeded ? evaluation.Value : null;
    }

    /// <summary>
    /// A small edit of a correct expression, the kind of slip a model makes: another operator, two numbers
    /// swapped, a number replaced by another given one or by one not given, a subtree dropped, or a fresh tree.
    /// </summary>
    public static ArithmeticExpression Perturb(ArithmeticExpression expression, IReadOnlyList<int> numbers, Random random)
    {
        var leaves = Leaves(expression).ToList();
        var internals = Internals(expression).ToList();
        switch (random.Next(6))
        {
            case 0 when internals.Count > 0:
            {
                var node = internals[random.Next(internals.Count)];
                var other = Operators.Where(o => o != node.Operator).ToArray();
                return Replace(expression, node, node with { Operator = other[random.Next(other.Length)] });
            }
            case 1 when leaves.Count > 1:
            {
                int a = random.Next(leaves.Count), b = (a + 1 + random.Next(leaves.Count - 1)) % leaves.Count;
                // Leaves off the replaced path keep their identity, so b is still found after replacing a.
                var swapped = Replace(expression, leaves[a], new NumberExpression(leaves[b].Value));
                return Replace(swapped, leaves[b], new NumberExpression(leaves[a].Value));
            }
            case 2 when leaves.Count > 1:
            {
                var leaf = leaves[random.Next(leaves.Count)];
                var others = numbers.Where(n => n != leaf.Value).ToArray();
                if (others.Length == 0) goto default;
                return Replace(expression, leaf, new NumberExpression(others[random.Next(others.Length)]));
            }
            case 3:
            {
                var leaf = leaves[random.Next(leaves.Count)];
                long changed = Math.Max(1, leaf.Value + (random.Next(2) == 0 ? -1 : 1) * (1 + random.Next(3)));
                return Replace(expression, leaf, new NumberExpression(changed));
            }
            case 4 when internals.Count > 0:
            {
                var node = internals[random.Next(internals.Count)];
                return Replace(expression, node, random.Next(2) == 0 ? node.Left : node.Right);
            }
            default:
                return Combine(numbers, random);
        }
    }

    private static IEnumerable<NumberExpression> Leaves(ArithmeticExpression expression) => expression switch
    {
        NumberExpression number => new[] { number },
        BinaryExpression binary => Leaves(binary.Left).Concat(Leaves(binary.Right)),
        _ => Array.Empty<NumberExpression>(),
    };

    private static IEnumerable<BinaryExpression> Internals(ArithmeticExpression expression) => expression switch
    {
        BinaryExpression binary => new[] { binary }.Concat(Internals(binary.Left)).Concat(Internals(binary.Right)),
        _ => Array.Empty<BinaryExpression>(),
    };

    /// <summary>The tree with one node (found by reference) replaced.</summary>
    private static ArithmeticExpression Replace(ArithmeticExpression tree, ArithmeticExpression target, ArithmeticExpression replacement)
    {
        if (ReferenceEquals(tree, target)) return replacement;
        return tree is BinaryExpression binary
            ? binary with { Left = Replace(binary.Left, target, replacement), Right = Replace(binary.Right, target, replacement) }
            : tree;
    }
}
