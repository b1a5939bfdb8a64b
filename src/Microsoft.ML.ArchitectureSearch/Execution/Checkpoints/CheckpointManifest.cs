namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// What a checkpointed search means: resuming is allowed only with equal values. The budget is deliberately absent, so a
/// finished search can be extended with a larger MaxTrials.
/// </summary>
internal sealed record CheckpointManifest
{
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string SearchSpace { get; init; }

    public required string SearchSpaceFingerprint { get; init; }

    public required string Strategy { get; init; }

    public required int Seed { get; init; }

    public required int TrialEpochs { get; init; }

    public required bool ReuseDuplicateResults { get; init; }

    public required string DataFingerprint { get; init; }

    /// <summary>Hashes of the initial (reference) architectures, in order; empty when there are none (and in checkpoints written before they existed).</summary>
    public string InitialArchitectures { get; init; } = "";

    /// <summary>The objective's canonical text; empty for the task's reward alone (and in checkpoints written before objectives existed).</summary>
    public string Objective { get; init; } = "";

    /// <summary>
    /// A weight-sharing search's schedule (shared epochs, children per epoch, final candidates); empty for a search that
    /// trains children separately (and in checkpoints written before weight sharing was checkpointed).
    /// </summary>
    public string WeightSharing { get; init; } = "";

    internal const int CurrentFormatVersion = 1;

    /// <summary>Names every field that differs from <paramref name="other"/>, or returns null when they match.</summary>
    internal string? DescribeDifferences(CheckpointManifest other)
    {
        var diffs = new List<string>();
        void Check<T>(string name, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
                diffs.Add($"{name}: checkpoint has {UserText.Quote(theirs?.ToString())}, this run has {UserText.Quote(mine?.ToString())}");
        }
        Check(nameof(FormatVersion), FormatVersion, other.FormatVersion);
        Check(nameof(SearchSpace), SearchSpace, other.SearchSpace);
        Check(nameof(SearchSpaceFingerprint), SearchSpaceFingerprint, other.SearchSpaceFingerprint);
        Check(nameof(Strategy), Strategy, other.Strategy);
        Check(nameof(Seed), Seed, other.Seed);
        Check(nameof(TrialEpochs), TrialEpochs, other.TrialEpochs);
        Check(nameof(ReuseDuplicateResults), ReuseDuplicateResults, other.ReuseDuplicateResults);
        Check(nameof(DataFingerprint), DataFingerprint, other.DataFingerprint);
        Check(nameof(InitialArchitectures), InitialArchitectures, other.InitialArchitectures);
        Check(nameof(Objective), Objective, other.Objective);
        Check(nameof(WeightSharing), WeightSharing, other.WeightSharing);
        return diffs.Count == 0 ? null : string.Join("; ", diffs);
    }
}
