namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>Decides after each epoch whether a child is worth training further.</summary>
internal interface IEarlyStoppingRule
{
    /// <summary>
    /// Called after <paramref name="epoch"/> (0-based) of trial <paramref name="trial"/> with its validation metric
    /// expressed as "higher is better" (accuracy, or negative perplexity). Return false to stop the child now.
    /// Implementations must be thread-safe: parallel children call it concurrently.
    /// </summary>
    bool ShouldContinue(int trial, int epoch, double score);

    /// <summary>Records a child's whole curve once it ended (stopped or completed), for later decisions.</summary>
    void Complete(int trial, IReadOnlyList<double> scores);
}
