using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>The language-modeling task end to end on real Penn Treebank lines from testdata/.</summary>
public sealed class LanguageModelPipelineTests
{
    private static ArchitectureSearchOptions Options() => new()
    {
        Task = ArchitectureSearchTask.LanguageModeling, FeatureColumnName = "Text", RecurrentCellSpace = new() { Leaves = 4, EmbeddingSize = 32, HiddenSize = 32, Layers = 1 }, MaxTrials = 2, FinalEpochs = 2, Device = "cpu",
    };

    [Fact]
    public void CorpusPerplexityOnHeldOutTextIsWellBelowTheUnigramModels()
    {
        var ml = new MLContext(seed: 5);
        string[] trainLines = PipelineTestData.ReadPtb("ptb.train.txt", 2000);
        string[] heldOut = PipelineTestData.ReadPtb("ptb.valid.txt", 200);
        IDataView train = ml.Data.LoadFromEnumerable(trainLines.Select(l => new SentenceRow { Text = l }));
        IDataView test = ml.Data.LoadFromEnumerable(heldOut.Select(l => new SentenceRow { Text = l }));
        var options = Options();
        options.FinalEpochs = 14;
        options.RecurrentCellSpace = options.RecurrentCellSpace with { EmbeddingSize = 64, HiddenSize = 64 };
        // The recipe this was measured with (PyTorch's word_language_model: SGD at 20 over 20 streams, the state carried
        // across sentences). With the library's
        // defaults since issue 14 (Adam at 0.003 over 10 streams, chosen for one- and two-epoch budgets) this long
        // budget measured 304.0, 0.82x: the recipe is the better choice for many epochs of a small model.
        options.LanguageModelTraining = new() { Optimizer = LanguageModelOptimizer.Sgd, LearningRate = 20, BatchSize = 20, CarryStateAcrossSentences = true };
        var model = ml.Transforms.ArchitectureSearch(options).Fit(train);
        double perplexity = model.EvaluatePerplexity(test);

        double unigram = PipelineTestData.UnigramPerplexity(trainLines, heldOut);
        // Measured: 271.2 against the unigram's 370.2 (0.73x; each sentence scored from a fresh state, 64-unit 4-leaf
        // cell, 2,000 training sentences, 14 final epochs); 4 epochs of a 32-unit model gave 358.6 (0.97x).
        Assert.True(perplexity < 0.8 * unigram, $"model perplexity {perplexity:0.0} vs unigram {unigram:0.0}");
    }

    [Fact]
    public void FitTransformSaveAndLoadGiveFinitePerplexitiesAndKnownWords()
    {
        var ml = new MLContext(seed: 5);
        string[] trainLines = PipelineTestData.ReadPtb("ptb.train.txt", 300);
        string[] testLines = PipelineTestData.ReadPtb("ptb.test.txt", 40).Append("").Append("zyzzyva quux").ToArray();
        IDataView train = ml.Data.LoadFromEnumerable(trainLines.Select(l => new SentenceRow { Text = l }));
        IDataView test = ml.Data.LoadFromEnumerable(testLines.Select(l => new SentenceRow { Text = l }));

        var model = ml.Transforms.ArchitectureSearch(Options()).Fit(train);
        Assert.Equal(ArchitectureSearchTask.LanguageModeling, model.Task);
        IDataView scored = model.Transform(test);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Perplexity"].Type);
        Assert.Equal(TextDataViewType.Instance, scored.Schema["PredictedNextWord"].Type);
        ScoredSentence[] rows = ml.Data.CreateEnumerable<ScoredSentence>(scored, reuseRowObject: false).ToArray();

        var vocabulary = new HashSet<string>(trainLines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            { "<eos>", "<unk>" };
        Assert.Equal(testLines.Length, rows.Length);
        Assert.All(rows, r =>
        {
            Assert.True(float.IsFinite(r.Perplexity) && r.Perplexity >= 1, $"perplexity {r.Perplexity} of '{r.Text}'");
            Assert.Contains(r.PredictedNextWord, vocabulary);
        });
        // Trained for two epochs, the model must beat a uniform guess over its vocabulary on held-out text.
        double meanLogPerplexity = rows.Take(40).Average(r => Math.Log(r.Perplexity));
        Assert.True(meanLogPerplexity < Math.Log(vocabulary.Count), $"mean log-perplexity {meanLogPerplexity} vs uniform {Math.Log(vocabulary.Count)}");

        string path = Path.Combine(Directory.CreateTempSubdirectory("archsearch-lm-").FullName, "lm.zip");
        ml.Model.Save(model, train.Schema, path);
        ITransformer loaded = new MLContext().Model.Load(path, out _);
        // Saved alone (not in a chain), the transformer loads back as itself, not wrapped.
        var searched = Assert.IsType<ArchitectureSearchTransformer>(loaded);
        Assert.Equal(model.Architecture, searched.Architecture);
        ScoredSentence[] reloaded = ml.Data.CreateEnumerable<ScoredSentence>(loaded.Transform(test), reuseRowObject: false).ToArray();
        Assert.Equal(rows.Select(r => (BitConverter.SingleToInt32Bits(r.Perplexity), r.PredictedNextWord)),
            reloaded.Select(r => (BitConverter.SingleToInt32Bits(r.Perplexity), r.PredictedNextWord)));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
