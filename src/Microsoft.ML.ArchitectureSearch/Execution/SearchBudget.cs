namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Limits of one search. The search stops at the first limit reached; finished trials are always kept.</summary>
internal sealed record SearchBudget
{
    /// <summary>Children trained (proposals rejected before training and reused duplicates do not count).</summary>
    public int MaxTrials { get; init; } = 20;

    /// <summary>Wall time of the whole search; the trials in flight when it runs out are finished.</summary>
    public TimeSpan? MaxSearchTime { get; init; }

    /// <summary>Children with more trainable parameters are rejected before training.</summary>
    public long? MaxParameters { get; init; }

    /// <summary>Children with more multiply-adds per example are rejected before training.</summary>
    public long? MaxMultiplyAdds { get; init; }

    /// <summary>
    /// Children whose training is expected to hold more bytes (<see cref="SearchRunOptions.MemoryEstimate"/>) are rejected
    /// before anything is allocated.
    /// </summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>Each child's training stops after this long (the epochs it finished count).</summary>
    public TimeSpan? TrialTimeLimit { get; init; }

    /// <summary>
    /// Proposals that cannot be trained (rejected, or duplicates when results are reused) do not use up trials; this caps
    /// them so that a strategy stuck on such proposals still ends. Default: 10 per trial plus 100.
    /// </summary>
    public int? MaxProposals { get; init; }

    internal int ProposalCap => MaxProposals ?? checked(MaxTrials * 10 + 100);

    internal void Validate()
    {
        if (MaxTrials < 1) throw new ArgumentOutOfRangeException(nameof(MaxTrials), MaxTrials, "MaxTrials must be at least 1.");
        if (MaxSearchTime is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxSearchTime), t, "MaxSearchTime must be positive.");
        if (TrialTimeLimit is { } l && l <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(TrialTimeLimit), l, "TrialTimeLimit must be positive.");
        if (MaxParameters is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxParameters), MaxParameters, "MaxParameters must be positive.");
        if (MaxMemoryBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMemoryBytes), MaxMemoryBytes, "MaxMemoryBytes must be positive.");
        if (MaxMultiplyAdds is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMultiplyAdds), MaxMultiplyAdds, "MaxMultiplyAdds must be positive.");
    }
}
