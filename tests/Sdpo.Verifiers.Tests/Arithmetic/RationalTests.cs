using Sdpo.Verifiers.Arithmetic.Expressions;

namespace Sdpo.Verifiers.Tests.Arithmetic;

public class RationalTests
{
    [Fact]
    public void FractionsAreExactAndReduced()
    {
        Rational eight = 8, three = 3;
        var third = three - eight / three; // 1/3
        Assert.Equal(Rational.Create(1, 3), third);
        Assert.Equal((Rational)24, eight / third);
        Assert.Equal("-1/2", Rational.Create(2, -4).ToString());
        Assert.Equal(2, Rational.Create(6, 4).Denominator);
        Assert.True(default(Rational).IsZero);
        Assert.Equal(1, default(Rational).Denominator);
    }

    [Fact]
    public void OverflowIsReportedNeverWrapped()
    {
        Rational big = long.MaxValue / 2;
        Assert.False(Rational.TryMultiply(big, 3, out _));
        Assert.Throws<OverflowException>(() => big * 3);
        Assert.True(Rational.TryAdd(big, big, out var sum));
        Assert.Equal(long.MaxValue - 1, sum.Numerator);
        // Large intermediates that reduce back into range are fine: (2^62/3) * (3/2^61) = 2.
        var a = Rational.Create(1L << 62, 3);
        var b = Rational.Create(3, 1L << 61);
        Assert.Equal((Rational)2, a * b);
    }

    [Fact]
    public void DivisionByZeroIsDistinctFromOverflow()
    {
        Assert.Throws<DivideByZeroException>(() => (Rational)5 / Rational.Zero);
        Assert.False(ArithmeticEvaluator.TryApply(ArithmeticOperator.Divide, 5, 0, out _, out var failure));
        Assert.Equal(EvaluationFailureKind.DivisionByZero, failure);
    }
}
