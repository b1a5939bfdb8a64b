using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>
/// The testdata PTB subset as token ids: a vocabulary of the most frequent training words (the rest map to &lt;unk&gt;),
/// every line ending in &lt;eos&gt;. Truncated by frequency (unlike the library's Vocabulary) to keep test models tiny.
/// </summary>
internal static class PtbTestCorpus
{
    /// <summary>Token streams of the first <paramref name="trainLines"/> training lines and all test-data valid/test lines.</summary>
    public static LanguageModelCorpus Load(int vocabularySize, int trainLines = 5000)
    {
        var train = ReadLines("ptb.train.txt").Take(trainLines).ToArray();
        var words = new Dictionary<string, int> { ["<unk>"] = 0, ["<eos>"] = 1 };
        foreach (var word in train.SelectMany(Split).Where(w => w != "<unk>")
                     .GroupBy(w => w).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                     .Select(g => g.Key).Take(vocabularySize - 2))
            words[word] = words.Count;
        int[] Encode(IEnumerable<string> lines) =>
            lines.SelectMany(l => Split(l).Append("<eos>")).Select(w => words.TryGetValue(w, out int id) ? id : 0).ToArray();
        return new LanguageModelCorpus(Encode(train), Encode(ReadLines("ptb.valid.txt")), Encode(ReadLines("ptb.test.txt")), words.Count, words["<eos>"]);
    }

    private static IEnumerable<string> ReadLines(string file) => File.ReadLines(Path.Combine(Pipeline.PipelineTestData.TestDataDirectory, "ptb", file));

    private static IEnumerable<string> Split(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
