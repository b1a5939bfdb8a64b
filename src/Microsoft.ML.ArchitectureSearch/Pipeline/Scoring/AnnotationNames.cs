using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;

/// <summary>ML.NET's annotation kinds (the same strings as its AnnotationUtils.Kinds, which the evaluators read).</summary>
internal static class AnnotationNames
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
}
