using Microsoft.ML.Data;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.Data;

public class PennTreebankTests
{
    private static readonly string Folder = Path.Combine(PipelineTestData.TestDataDirectory, "ptb");

    [Fact]
    public void TextColumnHasOneRowPerSentence()
    {
        var ml = new MLContext();
        PennTreebankFiles files = PennTreebank.Locate(PipelineTestData.TestDataDirectory);
        IDataView view = PennTreebank.LoadDataView(ml, files.Train);
        string[] rows = view.GetColumn<string>("Text").ToArray();
        string[] lines = File.ReadAllLines(files.Train);
        Assert.Equal(5000, rows.Length);
        Assert.Equal(lines[0].Trim(), rows[0]);
        Assert.Equal(lines[4999].Trim(), rows[4999]);
    }

    [Fact]
    public void VocabularyAndStreamsMatchAnIndependentCount()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "ptb.train.txt"));
        var words = lines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        int distinct = words.Distinct().Count();
        Vocabulary vocabulary = Vocabulary.Build(PennTreebank.ReadSentences(Path.Combine(Folder, "ptb.train.txt")));
        // Distinct words (PTB already contains <unk>) plus <eos>.
        Assert.Equal(distinct + 1, vocabulary.Count);
        int[] stream = vocabulary.EncodeStream(PennTreebank.ReadSentences(Path.Combine(Folder, "ptb.train.txt")), out int unknown);
        Assert.Equal(words.Length + lines.Length, stream.Length);
        Assert.Equal(0, unknown);
        Assert.Equal(lines.Length, stream.Count(id => id == vocabulary.EndOfSentenceId));

        int[] encoded = vocabulary.Encode("the zyzzyva market", out int replaced);
        Assert.Equal(1, replaced);
        Assert.Equal(vocabulary.IdOf("<unk>"), encoded[1]);
        Assert.Equal(vocabulary.EndOfSentenceId, encoded[^1]);
        Assert.False(vocabulary.Contains("zyzzyva"));
    }

    [Fact]
    public void BatchifyCutsBatchMajorStreamsAndShiftedTargets()
    {
        int[] stream = Enumerable.Range(0, 23).ToArray();
        using var batches = new TokenBatches(stream, 4, TorchSharp.torch.CPU, "test", "BatchSize");
        Assert.Equal(new long[] { 4, 5 }, batches.Data.shape); // 23 / 4 = 5 per row; 3 tokens dropped
        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, batches.Data[1].data<long>().ToArray());
        (var input, var target) = batches.Segment(0, 3);
        Assert.Equal(new long[] { 3, 4 }, input.shape);
        Assert.Equal(new long[] { 0, 5, 10, 15 }, input[0].data<long>().ToArray());
        Assert.Equal(new long[] { 1, 6, 11, 16 }, target.data<long>().Take(4).ToArray());
    }

    [Fact]
    public void BadCorporaAreClearErrors()
    {
        string temp = Directory.CreateTempSubdirectory("ptb-bad-").FullName;
        try
        {
            Assert.Throws<FileNotFoundException>(() => PennTreebank.Locate(temp));
            File.WriteAllText(Path.Combine(temp, "ptb.train.txt"), "\n  \n");
            var missing = Assert.Throws<FileNotFoundException>(() => PennTreebank.Locate(temp));
            Assert.Contains("ptb.valid.txt", missing.Message);
            var empty = Assert.Throws<InvalidDataException>(() => PennTreebank.ReadSentences(Path.Combine(temp, "ptb.train.txt")));
            Assert.Contains("empty", empty.Message);
            Assert.Throws<FileNotFoundException>(() => PennTreebank.ReadSentences(Path.Combine(temp, "nope.txt")));
        }
        finally { Directory.Delete(temp, true); }
    }

    [Fact]
    public void FullCorpusWhenPresent()
    {
        string shared = Path.Combine(PipelineTestData.TestDataDirectory, "..", "..", "shared", "data");
        if (!Directory.Exists(Path.Combine(shared, "ptb"))) return; // only beside the project's machines
        PennTreebankFiles files = PennTreebank.Locate(shared);
        Vocabulary vocabulary = Vocabulary.Build(PennTreebank.ReadSentences(files.Train));
        Assert.Equal(10_000, vocabulary.Count);
        Assert.Equal(929_589, vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Train), out _).Length);
        vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Valid), out int unknownInValid);
        Assert.Equal(0, unknownInValid);
    }
}
