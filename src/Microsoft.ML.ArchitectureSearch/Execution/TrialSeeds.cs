using Microsoft.ML.ArchitectureSearch.Randomness;

namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Per-trial seeds derived from the search seed, so any trial can be retrained alone with the same result.</summary>
internal static class TrialSeeds
{
    /// <summary>SplitMix64 of (seed, index): well-spread seeds even for consecutive indexes.</summary>
    public static int ForTrial(int searchSeed, int trialIndex)
    {
        ulong state = (ulong)(uint)searchSeed << 32 | (uint)trialIndex;
        return (int)(SplitMix64.Next(ref state) & 0x7FFFFFFF);
    }
}
