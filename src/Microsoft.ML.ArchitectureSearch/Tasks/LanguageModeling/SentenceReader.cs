using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Reads the sentences of a text column into memory, refusing empty data and data without a single word, with
/// messages naming the data set and the column. Schema checks happen before this.
/// </summary>
internal static class SentenceReader
{
    public static IReadOnlyList<string> ReadSentences(IDataView data, string dataName, string textColumn)
    {
        var sentences = new List<string>();
        DataViewSchema.Column column = data.Schema[textColumn];
        using (DataViewRowCursor cursor = data.GetRowCursor(new[] { column }))
        {
            ValueGetter<ReadOnlyMemory<char>> getText = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            var text = default(ReadOnlyMemory<char>);
            while (cursor.MoveNext())
            {
                getText(ref text);
                sentences.Add(text.ToString());
            }
        }
        if (sentences.All(s => Vocabulary.Split(s).Length == 0))
            throw new ArgumentException($"The {dataName}'s text column '{textColumn}' is empty: none of its {sentences.Count} rows holds a word.");
        return sentences;
    }

}
