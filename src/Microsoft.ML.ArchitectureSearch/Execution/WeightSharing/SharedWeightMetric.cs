using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;

/// <summary>
/// How a child scored on shared weights names its metric (<see cref="TrialResult.MetricName"/>), for every task: the
/// report tells a weight-sharing history and its final candidates (the derived children) by these names.
/// </summary>
internal static class SharedWeightMetric
{
    public const string Prefix = "shared-weight ";
    public const string MiniBatchSuffix = " (validation mini-batch)";
    public const string AllRowsSuffix = " (all validation rows)";

    /// <summary>The name of <paramref name="metric"/> ("accuracy", "perplexity") measured on shared weights.</summary>
    public static string Name(string metric, bool allValidationRows) => Prefix + metric + (allValidationRows ? AllRowsSuffix : MiniBatchSuffix);

    /// <summary>True for a child scored on shared weights.</summary>
    public static bool IsShared(TrialRecord trial) => trial.Result.MetricName.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>True for a final candidate: scored on every validation row, one of the children the winner is picked from.</summary>
    public static bool IsFinalCandidate(TrialRecord trial) => IsShared(trial) && trial.Result.MetricName.EndsWith(AllRowsSuffix, StringComparison.Ordinal);
}
