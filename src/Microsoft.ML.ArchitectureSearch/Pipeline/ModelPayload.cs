using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>Names of the columns the transformer reads and writes.</summary>
internal sealed record ColumnNames(
    string Feature, string Score, string PredictedLabel, string Perplexity, string PredictedNextWord)
{
    public static ColumnNames From(ArchitectureSearchOptions options) => new(options.FeatureColumnName,
        options.ScoreColumnName, options.PredictedLabelColumnName, options.PerplexityColumnName, options.PredictedNextWordColumnName);
}

/// <summary>The label's key type: its count and, when the label had them, its key values as text (class names).</summary>
internal sealed record LabelKeys(int Count, IReadOnlyList<string>? Values);

/// <summary>Everything the transformer holds except the network weights, which travel beside it as bytes.</summary>
internal sealed record ModelPayload(
    SearchedArchitecture Architecture, NetworkConfiguration Network, ColumnNames Columns,
    LabelKeys? Labels, IReadOnlyList<string>? Vocabulary, IReadOnlyList<TrialRecord> Trials)
{
    public ArchitectureSearchTask Task => Network.Task;
}
