namespace Sdpo.Engine.Metrics;

/// <summary>The unbiased pass@k estimator from n i.i.d. samples of which c passed: 1 − C(n−c, k) / C(n, k).</summary>
public static class PassAtK
{
    public static double Estimate(int n, int c, int k)
    {
        if (n < 0 || c < 0 || c > n) throw new ArgumentOutOfRangeException(nameof(c), "Need 0 ≤ c ≤ n.");
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), "Need 1 ≤ k ≤ n.");
        if (n - c < k) return 1.0;
        // C(n−c, k) / C(n, k) = Π_{i=n−c+1..n} (1 − k / i), a product of terms in (0, 1]: no overflow.
        double ratio = 1.0;
        for (int i = n - c + 1; i <= n; i++) ratio *= 1.0 - (double)k / i;
        return 1.0 - ratio;
    }
}
