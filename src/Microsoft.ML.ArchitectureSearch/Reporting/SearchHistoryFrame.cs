using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Reporting;

/// <summary>The search history as a Microsoft.Data.Analysis DataFrame: one row per proposal.</summary>
internal static class SearchHistoryFrame
{
    /// <summary>Column names, in order.</summary>
    public static readonly IReadOnlyList<string> Columns = new[]
    {
        "Trial", "Batch", "Kind", "Reference", "Architecture", "Hash", "Reward", "Metric", "BestValidation", "Epochs",
        "Parameters", "MultiplyAdds", "CostKind", "Cost", "CostFactor", "Seconds", "ExamplesPerSecond", "Failed", "FailureReason", "Worker",
    };

    public static DataFrame Create(IEnumerable<TrialRecord> trials)
    {
        var list = trials as IReadOnlyList<TrialRecord> ?? trials.ToList();
        return new DataFrame(
            new Int32DataFrameColumn("Trial", list.Select(t => t.Index)),
            new Int32DataFrameColumn("Batch", list.Select(t => t.Batch)),
            new StringDataFrameColumn("Kind", list.Select(t => t.Kind.ToString())),
            new StringDataFrameColumn("Reference", list.Select(t => t.Reference ?? "")),
            new StringDataFrameColumn("Architecture", list.Select(t => t.Description)),
            new StringDataFrameColumn("Hash", list.Select(t => t.Hash)),
            new DoubleDataFrameColumn("Reward", list.Select(t => t.Reward)),
            new StringDataFrameColumn("Metric", list.Select(t => t.Result.MetricName)),
            new DoubleDataFrameColumn("BestValidation", list.Select(t => t.Result.BestValidationMetric)),
            new Int32DataFrameColumn("Epochs", list.Select(t => t.Result.EpochsCompleted)),
            new Int64DataFrameColumn("Parameters", list.Select(t => t.ParameterCount)),
            new Int64DataFrameColumn("MultiplyAdds", list.Select(t => t.MultiplyAdds)),
            new StringDataFrameColumn("CostKind", list.Select(t => t.CostKind.ToString())),
            new DoubleDataFrameColumn("Cost", list.Select(t => t.Cost ?? double.NaN)),
            new DoubleDataFrameColumn("CostFactor", list.Select(t => t.CostFactor)),
            new DoubleDataFrameColumn("Seconds", list.Select(t => t.Result.WallTime.TotalSeconds)),
            new DoubleDataFrameColumn("ExamplesPerSecond", list.Select(t => t.Result.ExamplesPerSecond)),
            new BooleanDataFrameColumn("Failed", list.Select(t => t.Result.Failed)),
            new StringDataFrameColumn("FailureReason", list.Select(t => t.Result.FailureReason ?? "")),
            // Empty for children trained in the process that ran the search.
            new StringDataFrameColumn("Worker", list.Select(t => t.Worker ?? "")));
    }
}
