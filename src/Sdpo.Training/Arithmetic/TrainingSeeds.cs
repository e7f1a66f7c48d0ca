namespace Sdpo.Training.Arithmetic;

/// <summary>
/// Seeds for the training data's random streams, derived from the run's seed, a step and a label. Unlike
/// <see cref="HashCode.Combine{T1, T2}"/>, which .NET seeds afresh in every process, these are the same in every
/// process, so a run repeated or resumed in another process draws the same data.
/// </summary>
public static class TrainingSeeds
{
    public static int Derive(int seed, int step, string label)
    {
        ulong mixed = Mix(unchecked(StableHash(label) ^ Mix((ulong)(uint)seed) ^ Mix(((ulong)(uint)step << 32) | 0x5D90UL)));
        return unchecked((int)(mixed ^ (mixed >> 32)));
    }

    /// <summary>FNV-1a over the text's UTF-16 code units: unlike <see cref="string.GetHashCode()"/>, the same in every process.</summary>
    public static ulong StableHash(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text) hash = unchecked((hash ^ c) * 1099511628211UL);
        return hash;
    }

    /// <summary>SplitMix64's finaliser: every input bit reaches every output bit.</summary>
    private static ulong Mix(ulong value)
    {
        value = unchecked((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL);
        value = unchecked((value ^ (value >> 27)) * 0x94D049BB133111EBUL);
        return value ^ (value >> 31);
    }
}
