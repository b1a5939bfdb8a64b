namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>
/// Where the search writes what a user should be able to read: trial results, resumed checkpoints, skipped children,
/// checkpoint warnings. In a Fit this is the MLContext's log (<c>mlContext.Log</c>); elsewhere it may be nothing.
/// </summary>
internal interface ISearchLog
{
    void Info(string message);

    void Warning(string message);
}

/// <summary>A log that drops every message (benchmarks and tests that read the outcome instead).</summary>
internal sealed class NullSearchLog : ISearchLog
{
    public static readonly NullSearchLog Instance = new();

    public void Info(string message) { }

    public void Warning(string message) { }
}
