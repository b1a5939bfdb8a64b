namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Why a search ended.</summary>
internal enum SearchStopReason
{
    MaxTrialsReached,
    MaxSearchTimeReached,
    ProposalCapReached,
    Cancelled,

    /// <summary>A weight-sharing search ran all its shared epochs.</summary>
    SharedEpochsCompleted,
}

/// <summary>Everything a finished (or stopped) search produced.</summary>
internal sealed class SearchOutcome
{
    /// <param name="trials">Every proposal, in order.</param>
    /// <param name="stopReason">Why the search ended.</param>
    /// <param name="elapsed">Search time.</param>
    internal SearchOutcome(IReadOnlyList<TrialRecord> trials, SearchStopReason stopReason, TimeSpan elapsed)
    {
        Trials = trials;
        StopReason = stopReason;
        Elapsed = elapsed;
        Best = WinnerOf(trials);
    }

    /// <summary>Every proposal in order: trained, reused and rejected.</summary>
    public IReadOnlyList<TrialRecord> Trials { get; }

    /// <summary>
    /// The child the search retrains (<see cref="WinnerOf"/>): the trained child with the highest reward, earliest on
    /// ties; in a weight-sharing history the best final candidate. Null when none trained successfully.
    /// </summary>
    public TrialRecord? Best { get; }

    public SearchStopReason StopReason { get; }

    /// <summary>A weight-sharing search's per-epoch curves (null for a search that trained its children separately).</summary>
    public WeightSharing.WeightSharingCurves? SharedCurves { get; init; }

    public TimeSpan Elapsed { get; }

    public int TrainedCount => Trials.Count(t => t.Kind == TrialKind.Trained);

    /// <summary>
    /// The winner a history records: the best trial, or in a weight-sharing history the best final candidate (the
    /// children scored on every validation row), which the search retrains, not a mini-batch score that beat it.
    /// </summary>
    internal static TrialRecord? WinnerOf(IReadOnlyList<TrialRecord> trials) =>
        BestOf(trials.Any(WeightSharing.SharedWeightMetric.IsFinalCandidate) ? trials.Where(WeightSharing.SharedWeightMetric.IsFinalCandidate) : trials);

    private static TrialRecord? BestOf(IEnumerable<TrialRecord> trials)
    {
        TrialRecord? best = null;
        foreach (TrialRecord t in trials)
            if (t.Kind == TrialKind.Trained && !t.Result.Failed && (best == null || t.Reward > best.Reward))
                best = t;
        return best;
    }
}
