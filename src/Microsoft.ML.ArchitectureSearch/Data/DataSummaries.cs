using Microsoft.Data.Analysis;

namespace Microsoft.ML.ArchitectureSearch.Data;

/// <summary>DataFrame summaries of the data sets; they count while streaming and keep only the counts.</summary>
public static class DataSummaries
{
    /// <summary>Images per class of a CIFAR-10 split (reads only the label bytes).</summary>
    public static DataFrame Cifar10ClassCounts(string directory, Cifar10Split split)
    {
        IReadOnlyList<string> classes = Cifar10Files.ClassNames(directory);
        var counts = new long[classes.Count];
        foreach (string file in Cifar10Files.BatchFiles(directory, split))
        {
            using var stream = File.OpenRead(file);
            for (long r = 0; r < stream.Length / Cifar10Files.RecordSize; r++)
            {
                stream.Position = r * Cifar10Files.RecordSize;
                counts[stream.ReadByte()]++;
            }
        }
        return new DataFrame(new StringDataFrameColumn("Class", classes), new Int64DataFrameColumn("Images", counts));
    }

    /// <summary>Sentences, tokens (with <c>&lt;eos&gt;</c>) and distinct words of each split, and unknown words against train.</summary>
    public static DataFrame PennTreebank(PennTreebankFiles files)
    {
        Vocabulary vocabulary = Vocabulary.Build(Data.PennTreebank.ReadSentences(files.Train));
        var names = new List<string>();
        var sentences = new List<long>();
        var tokens = new List<long>();
        var distinct = new List<long>();
        var unknown = new List<long>();
        foreach ((string name, string file) in new[] { ("train", files.Train), ("valid", files.Valid), ("test", files.Test) })
        {
            string[] lines = Data.PennTreebank.ReadSentences(file);
            int[] stream = vocabulary.EncodeStream(lines, out int unknownWords);
            names.Add(name);
            sentences.Add(lines.Length);
            tokens.Add(stream.Length);
            distinct.Add(lines.SelectMany(Vocabulary.Split).Distinct().Count());
            unknown.Add(unknownWords);
        }
        return new DataFrame(new StringDataFrameColumn("Split", names), new Int64DataFrameColumn("Sentences", sentences),
            new Int64DataFrameColumn("TokensWithEos", tokens), new Int64DataFrameColumn("DistinctWords", distinct),
            new Int64DataFrameColumn("UnknownToTrain", unknown));
    }

    /// <summary>The <paramref name="count"/> most frequent words of a corpus file.</summary>
    public static DataFrame TopWords(string file, int count)
    {
        var top = Data.PennTreebank.ReadSentences(file).SelectMany(Vocabulary.Split).GroupBy(w => w)
            .Select(g => (Word: g.Key, Count: (long)g.Count())).OrderByDescending(x => x.Count).ThenBy(x => x.Word, StringComparer.Ordinal).Take(count).ToArray();
        return new DataFrame(new StringDataFrameColumn("Word", top.Select(t => t.Word)), new Int64DataFrameColumn("Count", top.Select(t => t.Count)));
    }
}
