namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>Regularized evolution (Real et al. 2019).</summary>
public sealed record EvolutionOptions
{
    /// <summary>Architectures kept alive; the oldest dies when a child joins a full population.</summary>
    public int PopulationSize { get; init; } = 20;

    /// <summary>Architectures drawn for each tournament; the best of them is the parent.</summary>
    public int SampleSize { get; init; } = 5;

    internal void Validate()
    {
        if (PopulationSize < 2) throw new ArgumentOutOfRangeException(nameof(PopulationSize), PopulationSize, "PopulationSize must be at least 2.");
        if (SampleSize < 1 || SampleSize > PopulationSize) throw new ArgumentOutOfRangeException(nameof(SampleSize), SampleSize, "SampleSize must be between 1 and PopulationSize.");
    }
}
