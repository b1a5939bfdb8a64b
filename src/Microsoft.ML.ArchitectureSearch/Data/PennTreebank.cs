using Microsoft.ML.Data;
namespace Microsoft.ML.ArchitectureSearch.Data;

/// <summary>A sentence as ML.NET sees it: one row of the <c>Text</c> column.</summary>
public sealed class SentenceRow
{
    /// <summary>One sentence: words separated by spaces.</summary>
    public string Text { get; set; } = "";
}

/// <summary>The three files of Mikolov's Penn Treebank split.</summary>
public sealed record PennTreebankFiles(string Train, string Valid, string Test);

/// <summary>
/// Reads Penn Treebank in Mikolov's language-modelling split (<c>ptb.train.txt</c>, <c>ptb.valid.txt</c>,
/// <c>ptb.test.txt</c>): one sentence per line, words separated by spaces, rare words already <c>&lt;unk&gt;</c>.
/// </summary>
public static class PennTreebank
{
    /// <summary>Finds the files in the folder, its <c>ptb</c> folder, or <c>simple-examples/data</c> (the RNNLM download).</summary>
    public static PennTreebankFiles Locate(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Penn Treebank folder '{directory}' does not exist.");
        foreach (string candidate in new[] { directory, Path.Combine(directory, "ptb"), Path.Combine(directory, "simple-examples", "data"), Path.Combine(directory, "data") })
        {
            if (File.Exists(Path.Combine(candidate, "ptb.train.txt")))
            {
                var files = new PennTreebankFiles(Path.Combine(candidate, "ptb.train.txt"), Path.Combine(candidate, "ptb.valid.txt"), Path.Combine(candidate, "ptb.test.txt"));
                foreach (string f in new[] { files.Valid, files.Test })
                    if (!File.Exists(f)) throw new FileNotFoundException($"Penn Treebank file '{f}' is missing.", f);
                return files;
            }
        }
        throw new FileNotFoundException($"No ptb.train.txt in '{directory}' (nor in its ptb or simple-examples/data folders).");
    }

    /// <summary>The sentences of a corpus file (trimmed; blank lines dropped). Throws when the file has no words.</summary>
    public static string[] ReadSentences(string file, int? maxSentences = null)
    {
        if (!File.Exists(file))
            throw new FileNotFoundException($"Corpus file '{file}' does not exist.", file);
        var sentences = File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0);
        string[] result = (maxSentences is { } max ? sentences.Take(max) : sentences).ToArray();
        if (result.Length == 0)
            throw new InvalidDataException($"Corpus file '{file}' is empty: it has no words.");
        return result;
    }

    /// <summary>An IDataView with a <c>Text</c> column, one sentence per row.</summary>
    public static IDataView LoadDataView(MLContext ml, string file, int? maxSentences = null) =>
        ml.Data.LoadFromEnumerable(ReadSentences(file, maxSentences).Select(s => new SentenceRow { Text = s }));

    /// <summary>The sentences of a text column (blank rows dropped).</summary>
    public static string[] SentencesOf(IDataView data, string column = "Text")
    {
        if (data.Schema.GetColumnOrNull(column) is not { } c)
            throw new ArgumentException($"The data has no column '{column}'.", nameof(column));
        if (c.Type is not TextDataViewType)
            throw new ArgumentException($"Column '{column}' holds {c.Type}, not text.", nameof(column));
        string[] sentences = data.GetColumn<string>(column).Select(s => (s ?? "").Trim()).Where(s => s.Length > 0).ToArray();
        if (sentences.Length == 0)
            throw new InvalidDataException($"Column '{column}' holds no words.");
        return sentences;
    }
}
