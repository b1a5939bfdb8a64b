using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Tasks;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>Names of the columns the transformer reads and writes.</summary>
internal sealed record ColumnNames(
    string Feature, string Score, string PredictedLabel, string Perplexity, string PredictedNextWord)
{
    public static ColumnNames From(ArchitectureSearchOptions options) => new(options.FeatureColumnName,
        options.ScoreColumnName, options.PredictedLabelColumnName, options.PerplexityColumnName, options.PredictedNextWordColumnName);
}

/// <summary>Everything the transformer holds except the network weights, which travel beside it as bytes.</summary>
/// <param name="Architecture">The trained architecture; its JSON rebuilds the network on its own.</param>
/// <param name="Task">Which <see cref="TaskDefinition"/> reads <paramref name="Data"/> and scores rows.</param>
/// <param name="Columns">Input and output column names.</param>
/// <param name="Data">The task's model data (label keys, vocabulary).</param>
/// <param name="Trials">Every proposal of the search that produced the model.</param>
internal sealed record ModelPayload(
    SearchedArchitecture Architecture, ArchitectureSearchTask Task, ColumnNames Columns, TaskModelData Data,
    IReadOnlyList<TrialRecord> Trials);
