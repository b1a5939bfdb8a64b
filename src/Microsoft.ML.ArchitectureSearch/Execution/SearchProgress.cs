namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Reported after every proposal the search finishes handling.</summary>
public sealed record SearchProgress
{
    /// <summary>The proposal just handled.</summary>
    public required TrialRecord Trial { get; init; }

    /// <summary>Children trained so far (reused and rejected proposals excluded).</summary>
    public required int TrainedTrials { get; init; }

    /// <summary>The trial budget (ArchitectureSearchOptions.MaxTrials).</summary>
    public required int MaxTrials { get; init; }

    /// <summary>Best reward so far and its trial (null before any trained child).</summary>
    public TrialRecord? Best { get; init; }

    /// <summary>Search time so far (including earlier runs of a resumed search).</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time to the end of the budget, from the mean time per trained child; null until known.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }

    /// <summary>True while the search replays trials restored from a checkpoint.</summary>
    public bool Restored { get; init; }
}
