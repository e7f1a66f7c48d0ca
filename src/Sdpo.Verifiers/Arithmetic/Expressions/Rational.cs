using System.Globalization;

namespace Sdpo.Verifiers.Arithmetic.Expressions;

/// <summary>
/// An exact fraction in lowest terms with a positive denominator, stored in two longs. Every operation is
/// computed in 128 bits and reduced before it is narrowed, so it is exact; a result whose reduced numerator
/// or denominator does not fit a long is an overflow (the <c>Try*</c> methods return false, the operators
/// throw <see cref="OverflowException"/>), never a silent wrap.
/// </summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    public long Numerator { get; }

    /// <summary>Always positive; 1 for integers (and for the default value, zero).</summary>
    public long Denominator => _denominatorMinusOne + 1;

    // Stored as denominator - 1 so that default(Rational) is 0/1, not 0/0.
    private readonly long _denominatorMinusOne;

    private Rational(long numerator, long denominator, bool _) : this()
    {
        Numerator = numerator;
        _denominatorMinusOne = denominator - 1;
    }

    public static Rational Zero => default;

    public bool IsInteger => Denominator == 1;

    public bool IsZero => Numerator == 0;

    public int Sign => Math.Sign(Numerator);

    public static implicit operator Rational(long value) => new(value, 1, true);

    /// <summary>The fraction numerator/denominator in lowest terms; throws on a zero denominator.</summary>
    public static Rational Create(long numerator, long denominator)
    {
        if (denominator == 0) throw new DivideByZeroException("A rational number cannot have denominator 0.");
        return TryReduce(numerator, denominator, out var result)
            ? result
            : throw new OverflowException($"{numerator}/{denominator} does not fit a 64-bit rational.");
    }

    public static bool TryAdd(Rational a, Rational b, out Rational result)
    {
        if (a.IsInteger && b.IsInteger) return TryReduce((Int128)a.Numerator + b.Numerator, 1, out result);
        return TryReduce(
            (Int128)a.Numerator * b.Denominator + (Int128)b.Numerator * a.Denominator,
            (Int128)a.Denominator * b.Denominator,
            out result);
    }

    public static bool TrySubtract(Rational a, Rational b, out Rational result)
    {
        if (a.IsInteger && b.IsInteger) return TryReduce((Int128)a.Numerator - b.Numerator, 1, out result);
        return TryReduce(
            (Int128)a.Numerator * b.Denominator - (Int128)b.Numerator * a.Denominator,
            (Int128)a.Denominator * b.Denominator,
            out result);
    }

    public static bool TryMultiply(Rational a, Rational b, out Rational result) =>
        TryReduce((Int128)a.Numerator * b.Numerator, (Int128)a.Denominator * b.Denominator, out result);

    /// <summary>False both on overflow and on division by zero; callers that must tell them apart check <paramref name="b"/> first.</summary>
    public static bool TryDivide(Rational a, Rational b, out Rational result)
    {
        if (b.IsZero)
        {
            result = default;
            return false;
        }
        return TryReduce((Int128)a.Numerator * b.Denominator, (Int128)a.Denominator * b.Numerator, out result);
    }

    public static Rational operator +(Rational a, Rational b) => TryAdd(a, b, out var r) ? r : throw Overflow(a, '+', b);

    public static Rational operator -(Rational a, Rational b) => TrySubtract(a, b, out var r) ? r : throw Overflow(a, '-', b);

    public static Rational operator *(Rational a, Rational b) => TryMultiply(a, b, out var r) ? r : throw Overflow(a, '*', b);

    public static Rational operator /(Rational a, Rational b)
    {
        if (b.IsZero) throw new DivideByZeroException($"{a}/0 divides by zero.");
        return TryDivide(a, b, out var r) ? r : throw Overflow(a, '/', b);
    }

    public static Rational operator -(Rational a) =>
        a.Numerator == long.MinValue ? throw new OverflowException($"-({a}) overflows.") : new Rational(-a.Numerator, a.Denominator, true);

    public static bool operator ==(Rational a, Rational b) => a.Equals(b);

    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);

    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;

    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;

    public bool Equals(Rational other) => Numerator == other.Numerator && _denominatorMinusOne == other._denominatorMinusOne;

    public override bool Equals(object? obj) => obj is Rational other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Numerator, _denominatorMinusOne);

    public int CompareTo(Rational other) =>
        ((Int128)Numerator * other.Denominator).CompareTo((Int128)other.Numerator * Denominator);

    /// <summary>"7", "-3", "8/3", "-1/2": the same text the feedback uses.</summary>
    public override string ToString() =>
        IsInteger
            ? Numerator.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    private static bool TryReduce(Int128 numerator, Int128 denominator, out Rational result)
    {
        if (denominator < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }
        if (denominator != 1)
        {
            var divisor = GreatestCommonDivisor(UInt128Abs(numerator), (UInt128)denominator);
            if (divisor > 1)
            {
                numerator /= (Int128)divisor;
                denominator /= (Int128)divisor;
            }
        }
        if (numerator < long.MinValue || numerator > long.MaxValue || denominator > long.MaxValue)
        {
            result = default;
            return false;
        }
        result = new Rational((long)numerator, (long)denominator, true);
        return true;
    }

    private static UInt128 UInt128Abs(Int128 value) => value < 0 ? (UInt128)(-value) : (UInt128)value;

    private static UInt128 GreatestCommonDivisor(UInt128 a, UInt128 b)
    {
        // Most values in puzzles are small: stay in 64 bits when both fit.
        if (a <= ulong.MaxValue && b <= ulong.MaxValue) return GreatestCommonDivisor((ulong)a, (ulong)b);
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static ulong GreatestCommonDivisor(ulong a, ulong b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static OverflowException Overflow(Rational a, char op, Rational b) =>
        new($"({a}){op}({b}) does not fit a 64-bit rational.");
}
