using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Tasks;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>How much data a Fit was given: none is an error that says so, too little for a meaningful score a warning.</summary>
internal static class DataSizeChecks
{
    /// <summary>Below this many validation rows a child's score is mostly noise (one row is several percent of it).</summary>
    internal const int MinUsefulValidationRows = 20;

    /// <summary>
    /// Throws when <paramref name="data"/> has no rows, before the schema checks, whose wording (a label with too few
    /// keys, which MapValueToKey makes from empty data) would hide the real problem. Reads at most one row, no column.
    /// </summary>
    public static void RequireRows(IDataView data, string name)
    {
        if (data.GetRowCount() is > 0) return;
        using DataViewRowCursor cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        if (!cursor.MoveNext())
            throw new ArgumentException($"The {name} is empty: it has no rows.", nameof(data));
    }

    /// <summary>Warns in the log when the children would be scored on so few rows that the search ranks noise.</summary>
    public static void WarnIfTooSmall(TaskRows train, TaskRows validation, bool heldOut, ISearchLog log)
    {
        if (validation.Count >= MinUsefulValidationRows) return;
        log.Warning($"Only {validation.Count} validation rows " +
            (heldOut ? $"were held out of {train.Count + validation.Count} training rows" : "were given") +
            $" (fewer than {MinUsefulValidationRows}): the children's scores are mostly noise and the search cannot rank them reliably. " +
            "Use more data" + (heldOut ? ", a larger ValidationFraction," : "") + " or pass validation data.");
    }
}
