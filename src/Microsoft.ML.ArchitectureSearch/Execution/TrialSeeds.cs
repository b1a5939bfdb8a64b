namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Per-trial seeds derived from the search seed, so any trial can be retrained alone with the same result.</summary>
internal static class TrialSeeds
{
    /// <summary>SplitMix64 of (seed, index): well-spread seeds even for consecutive indexes.</summary>
    public static int ForTrial(int searchSeed, int trialIndex)
    {
        ulong z = ((ulong)(uint)searchSeed << 32 | (uint)trialIndex) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
