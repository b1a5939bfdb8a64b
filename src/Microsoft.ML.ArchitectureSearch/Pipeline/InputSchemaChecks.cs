using Microsoft.ML.Data;
using static Microsoft.ML.SchemaShape.Column;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>
/// The column checks shared by the estimator (on a SchemaShape, then on the data's schema at Fit) and the transformer
/// (on the schema it is applied to). Each failure is an ArgumentOutOfRangeException, as ML.NET's own schema
/// mismatches are, whose message names the column and says what was expected.
/// </summary>
internal static class InputSchemaChecks
{
    public static ArgumentOutOfRangeException Missing(string columnName, string role) =>
        new("inputSchema", $"Schema mismatch: the input has no column '{columnName}' (the {role} column of ArchitectureSearch).");

    public static ArgumentOutOfRangeException Mismatch(string columnName, string role, string expected, string actual) =>
        new("inputSchema", $"Schema mismatch for the {role} column '{columnName}': expected {expected}, got {actual}.");

    public static string ImageExpectation(int channels, int height, int width) =>
        $"a known-size vector of Single with ImageChannels x ImageHeight x ImageWidth = {channels} x {height} x {width} = {(long)channels * height * width} values";

    public const string LabelExpectation = "a key type (convert the label with mlContext.Transforms.Conversion.MapValueToKey first)";

    public const string TextExpectation = "String (text, one sentence per row)";

    /// <summary>Checks a feature column of a concrete schema, including the vector size.</summary>
    public static void CheckImageColumn(DataViewSchema schema, string columnName, int channels, int height, int width)
    {
        DataViewSchema.Column column = schema.GetColumnOrNull(columnName) ?? throw Missing(columnName, "feature");
        long expectedSize = (long)channels * height * width;
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType number, IsKnownSize: true } vector
            || number.RawType != typeof(float) || vector.Size != expectedSize)
        {
            throw Mismatch(columnName, "feature", ImageExpectation(channels, height, width), $"{column.Type}");
        }
    }

    public static void CheckTextColumn(DataViewSchema schema, string columnName)
    {
        DataViewSchema.Column column = schema.GetColumnOrNull(columnName) ?? throw Missing(columnName, "text");
        if (column.Type is not TextDataViewType)
            throw Mismatch(columnName, "text", TextExpectation, $"{column.Type}");
    }

    /// <summary>The column <paramref name="name"/> of a schema shape, or the schema-mismatch exception naming it.</summary>
    public static SchemaShape.Column Find(SchemaShape shape, string name, string role) =>
        TryFind(shape, name, out SchemaShape.Column column) ? column : throw Missing(name, role);

    // SchemaShape.TryFindColumn is internal; a shape is a list of uniquely named columns.
    public static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column)
    {
        foreach (SchemaShape.Column candidate in shape)
        {
            if (candidate.Name == name)
            {
                column = candidate;
                return true;
            }
        }
        column = default;
        return false;
    }

    /// <summary>A shape column's type in words, for mismatch messages.</summary>
    public static string Describe(SchemaShape.Column column) =>
        $"{(column.Kind == VectorKind.Scalar ? "" : column.Kind == VectorKind.Vector ? "known-size vector of " : "variable-size vector of ")}{(column.IsKey ? "key " : "")}{column.ItemType}";

    /// <summary>The label's key type, or an exception naming the column.</summary>
    public static KeyDataViewType CheckLabelColumn(DataViewSchema schema, string columnName)
    {
        DataViewSchema.Column column = schema.GetColumnOrNull(columnName) ?? throw Missing(columnName, "label");
        return column.Type as KeyDataViewType ?? throw Mismatch(columnName, "label", LabelExpectation, $"{column.Type}");
    }
}
