using Microsoft.Data.Analysis;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>
/// The search history as a DataFrame with one row per trial, and its binary form inside the model payload.
/// Columns: trial (int), architecture (string), hash (string), reward (double), metric (double), parameters (long),
/// seconds (double), failed (bool).
/// </summary>
internal static class TrialHistory
{
    public static readonly string[] ColumnNames = { "trial", "architecture", "hash", "reward", "metric", "parameters", "seconds", "failed" };

    public static DataFrame CreateEmpty() => new(
        new Int32DataFrameColumn("trial"),
        new StringDataFrameColumn("architecture"),
        new StringDataFrameColumn("hash"),
        new DoubleDataFrameColumn("reward"),
        new DoubleDataFrameColumn("metric"),
        new Int64DataFrameColumn("parameters"),
        new DoubleDataFrameColumn("seconds"),
        new BooleanDataFrameColumn("failed"));

    public static void AddRow(DataFrame history, int trial, string architecture, string hash, double reward, double metric,
        long parameters, double seconds, bool failed) =>
        history.Append(new List<KeyValuePair<string, object>>
        {
            new("trial", trial), new("architecture", architecture), new("hash", hash), new("reward", reward),
            new("metric", metric), new("parameters", parameters), new("seconds", seconds), new("failed", failed),
        }, inPlace: true);

    /// <summary>Throws unless <paramref name="history"/> has exactly the columns above, in order, with their types.</summary>
    public static void CheckShape(DataFrame history)
    {
        var expected = CreateEmpty();
        if (history.Columns.Count != expected.Columns.Count)
            throw new ArgumentException($"The search history must have the columns {string.Join(", ", ColumnNames)}.", nameof(history));
        for (int i = 0; i < expected.Columns.Count; i++)
        {
            if (history.Columns[i].Name != expected.Columns[i].Name || history.Columns[i].DataType != expected.Columns[i].DataType)
                throw new ArgumentException(
                    $"Search history column {i} is '{history.Columns[i].Name}' ({history.Columns[i].DataType.Name}); expected '{expected.Columns[i].Name}' ({expected.Columns[i].DataType.Name}).",
                    nameof(history));
        }
    }

    public static void Write(BinaryWriter writer, DataFrame history)
    {
        CheckShape(history);
        writer.Write(history.Rows.Count);
        foreach (DataFrameRow row in history.Rows)
        {
            writer.Write(row[0] is int trial ? trial : -1);
            writer.Write((string?)row[1] ?? "");
            writer.Write((string?)row[2] ?? "");
            writer.Write(row[3] is double reward ? reward : double.NaN);
            writer.Write(row[4] is double metric ? metric : double.NaN);
            writer.Write(row[5] is long parameters ? parameters : -1L);
            writer.Write(row[6] is double seconds ? seconds : double.NaN);
            writer.Write(row[7] is bool failed && failed);
        }
    }

    public static DataFrame Read(BinaryReader reader)
    {
        long count = reader.ReadInt64();
        if (count < 0 || count > 10_000_000)
            throw new InvalidDataException($"The search history claims {count} trials.");
        DataFrame history = CreateEmpty();
        for (long i = 0; i < count; i++)
        {
            AddRow(history, reader.ReadInt32(), reader.ReadString(), reader.ReadString(), reader.ReadDouble(),
                reader.ReadDouble(), reader.ReadInt64(), reader.ReadDouble(), reader.ReadBoolean());
        }
        return history;
    }
}
