namespace Microsoft.ML.ArchitectureSearch.Randomness;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood; Vigna's reference version): a 64-bit counter advanced by the golden-ratio
/// increment, then a finaliser that spreads every input bit over the output. The one copy behind both Xoshiro256's
/// seeding and the per-trial seeds, so the two cannot drift apart.
/// </summary>
internal static class SplitMix64
{
    private const ulong GoldenRatioIncrement = 0x9E3779B97F4A7C15UL;

    /// <summary>Advances <paramref name="state"/> by one increment and returns the mixed value of the new state.</summary>
    public static ulong Next(ref ulong state)
    {
        state += GoldenRatioIncrement;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
