using Examples.OnnxScoring;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Onnx;

/// <summary>
/// Language models exported by SaveAsOnnx (one time step with the vocabulary) and scored sentence by sentence on ONNX
/// Runtime by src/Examples.OnnxScoring's driver (compiled in here from its own file), against the TorchSharp
/// transformer's Perplexity and PredictedNextWord on Penn Treebank test lines from testdata/.
/// </summary>
public sealed class LanguageModelOnnxExportTests : IClassFixture<LanguageModelOnnxExportTests.FittedLanguageModel>
{
    private static readonly ColumnNames Columns = new("Text", "Score", "PredictedLabel", "Perplexity", "PredictedNextWord");

    private readonly FittedLanguageModel _fitted;

    public LanguageModelOnnxExportTests(FittedLanguageModel fitted) => _fitted = fitted;

    /// <summary>A searched-cell language model fitted once on 300 testdata training lines (a few seconds).</summary>
    public sealed class FittedLanguageModel
    {
        public FittedLanguageModel()
        {
            IDataView train = ML.Data.LoadFromEnumerable(PipelineTestData.ReadPtb("ptb.train.txt", 300).Select(l => new SentenceRow { Text = l }));
            Model = ML.Transforms.ArchitectureSearch(new ArchitectureSearchOptions
            {
                Task = ArchitectureSearchTask.LanguageModeling, FeatureColumnName = "Text", Device = "cpu", MaxTrials = 1, FinalEpochs = 1,
                RecurrentCellSpace = new() { Leaves = 4, EmbeddingSize = 24, HiddenSize = 24, Layers = 2 },
            }).Fit(train);
        }

        public MLContext ML { get; } = new(seed: 5);

        public ArchitectureSearchTransformer Model { get; }
    }

    [Fact]
    public void FittedSearchedCellScoredByOnnxRuntimeGivesTheTransformersPerplexityAndNextWordOnTestSentences()
    {
        IDataView test = TestSentences(_fitted.ML);
        ScoredSentence[] expected = _fitted.ML.Data.CreateEnumerable<ScoredSentence>(_fitted.Model.Transform(test), reuseRowObject: false).ToArray();
        using var model = new MemoryStream();
        _fitted.Model.SaveAsOnnx(model);
        AssertOnnxRuntimeAgrees(expected, model.ToArray());
    }

    [Fact]
    public void NasCellWithEveryActivationAndCombinationExportsAndAgreesOverTwoLayers() =>
        AssertHeadExportAgrees(options => WordLanguageModel.CreateSearched(RecurrentCellReferences.NasCell(new RecurrentCellSearchSpace(options))!), seed: 1);

    [Fact]
    public void LstmDrawnAsATreeCellWithAMultipliedMemoryCellExportsAndAgrees() =>
        AssertHeadExportAgrees(options => WordLanguageModel.CreateSearched(RecurrentCellReferences.Lstm(new RecurrentCellSearchSpace(options))!), seed: 2);

    [Fact]
    public void FusedLstmLayersExportAndAgree() => AssertHeadExportAgrees(WordLanguageModel.CreateLstm, seed: 3);

    [Fact]
    public void TiedEmbeddingAndDecoderExportAndAgree() =>
        AssertHeadExportAgrees(options => WordLanguageModel.CreateLstm(options with { TieWeights = true }), seed: 4);

    [Fact]
    public void ARecurrentLayerWithoutAnOnnxFormIsRefusedNamingItAndNothingIsWritten()
    {
        Vocabulary vocabulary = Vocabulary.Build(new[] { "a b c" });
        var model = new WordLanguageModel(vocabulary.Count, 8, new RecurrentLayer[] { new GruLayer(8, 8) }, dropout: 0, tieWeights: false);
        var head = new LanguageModelHead(Columns, vocabulary, new SharedNetwork(new LanguageModelScoringNetwork(model), CPU));
        using var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => head.SaveAsOnnx(stream));
        Assert.Contains(nameof(GruLayer), e.Message);
        Assert.Contains("no ONNX export", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void EnasCellWithEveryActivationAndTwoLooseEndsExportsAndAgreesOverTwoLayers() =>
        AssertHeadExportAgrees(options =>
        {
            var space = new EnasCellSearchSpace(options with { Cell = RecurrentCellKind.EnasDag, Nodes = 5 });
            // Node n reads: 1 <- 0, 2 <- 1, 3 <- 0, 4 <- 2, so nodes 3 and 4 are the loose ends the output averages; the
            // activation tokens 0, 1, 2, 3, 0 take every activation the space offers.
            EnasCellArchitecture cell = space.DecodeCell(new[] { 0, 0, 1, 1, 2, 0, 3, 2, 0 });
            Assert.Equal(space.Options.Activations.Distinct().Count(), cell.Nodes.Select(n => n.Activation).Distinct().Count());
            Assert.Equal(new[] { 3, 4 }, cell.LooseEnds);
            return LanguageModelNetworks.Create(cell);
        }, seed: 5);

    [Fact]
    public void ConvertToOnnxOfALanguageModelPipelineIsRefusedNamingWhyAndPointingToSaveAsOnnx()
    {
        using var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => _fitted.ML.Model.ConvertToOnnx(_fitted.Model, TestSentences(_fitted.ML), stream));
        Assert.Contains("vocabulary", e.Message);
        Assert.Contains("Loop or Scan", e.Message);
        Assert.Contains("SaveAsOnnx", e.Message);
    }

    // Why ConvertToOnnx refuses rather than writing a Scan over the sentence (docs/onnx-export.md): ML.NET's ONNX nodes take
    // no graph-valued attribute, which a Loop or Scan body is. If a later ML.NET adds one, this fails: revisit the choice.
    [Fact]
    public void MLNetsOnnxNodeHasNoGraphValuedAttributeForALoopOrScanBody()
    {
        // Internal to Microsoft.ML.Data (the library sees it through its publicized reference; tests do not).
        Type node = typeof(Microsoft.ML.Data.TextLoader).Assembly.GetType("Microsoft.ML.Model.OnnxConverter.OnnxNode", throwOnError: true)!;
        Type[] attributeTypes = node.GetMethods()
            .Where(m => m.Name == "AddAttribute").Select(m => m.GetParameters()[1].ParameterType).ToArray();
        Assert.Contains(typeof(long), attributeTypes);
        Assert.DoesNotContain(attributeTypes, t => t.FullName!.Contains("Graph", StringComparison.Ordinal));
    }

    [Fact]
    public void TheOnnxModelDeclaresTheOneStepInputsOutputsAndVocabulary()
    {
        using var stream = new MemoryStream();
        _fitted.Model.SaveAsOnnx(stream);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(stream.ToArray());
        Assert.Equal(new[] { "C", "H", "Token" }, session.InputMetadata.Keys.Order());
        Assert.Equal(new[] { "LogProbabilities", "NextC", "NextH" }, session.OutputMetadata.Keys.Order());
        Assert.Equal(new[] { -1, 2, 24 }, session.InputMetadata["H"].Dimensions);
        string[] words = session.ModelMetadata.CustomMetadataMap["vocabulary"].Split('\n');
        Assert.Equal(session.OutputMetadata["LogProbabilities"].Dimensions[1], words.Length);
        Assert.Equal("<eos>", session.ModelMetadata.CustomMetadataMap["end_of_sentence"]);
    }

    // The first 30 test lines, an empty row (only <eos> is predicted) and a row of words outside the vocabulary.
    private static IDataView TestSentences(MLContext ml) => ml.Data.LoadFromEnumerable(
        PipelineTestData.ReadPtb("ptb.test.txt", 30).Append("").Append("zyzzyva quux the").Select(l => new SentenceRow { Text = l }));

    // A randomly initialised model of the given kind (2 layers, so the state's layer axis matters) scored through the
    // transformer's own head and scoring view, against the same head's SaveAsOnnx.
    private static void AssertHeadExportAgrees(Func<RecurrentCellSearchSpaceOptions, WordLanguageModel> create, int seed)
    {
        Vocabulary vocabulary = Vocabulary.Build(PipelineTestData.ReadPtb("ptb.train.txt", 300));
        var options = new RecurrentCellSearchSpaceOptions { Leaves = 8, EmbeddingSize = 16, HiddenSize = 16, Layers = 2, VocabularySize = vocabulary.Count };
        using var scope = NewDisposeScope();
        WordLanguageModel model = create(options);
        model.ResetParameters(new Generator((ulong)seed));
        var head = new LanguageModelHead(Columns, vocabulary, new SharedNetwork(new LanguageModelScoringNetwork(model), CPU));
        var ml = new MLContext(seed: 1);
        IDataView test = TestSentences(ml);
        ScoredSentence[] expected = ml.Data.CreateEnumerable<ScoredSentence>(new ScoredDataView(test, new OutputBindings(test.Schema, head)), reuseRowObject: false).ToArray();
        using var stream = new MemoryStream();
        head.SaveAsOnnx(stream);
        AssertOnnxRuntimeAgrees(expected, stream.ToArray());
    }

    private static void AssertOnnxRuntimeAgrees(ScoredSentence[] expected, byte[] onnx)
    {
        using var driver = new OnnxLanguageModel(onnx);
        foreach (ScoredSentence row in expected)
        {
            SentenceScore actual = driver.Score(row.Text);
            double relative = Math.Abs(actual.Perplexity - row.Perplexity) / row.Perplexity;
            Assert.True(relative < 1e-3, $"'{row.Text}': ONNX Runtime perplexity {actual.Perplexity} vs TorchSharp {row.Perplexity} (relative {relative:g3})");
            Assert.Equal(row.PredictedNextWord, actual.NextWord);
        }
    }

    // A recurrent layer kind with no ONNX form (libtorch's GRU), as a new cell would be before it writes its step.
    private sealed class GruLayer : RecurrentLayer
    {
        private readonly GRU gru;

        public GruLayer(int inputSize, int hiddenSize) : base(nameof(GruLayer), inputSize, hiddenSize)
        {
            gru = nn.GRU(inputSize, hiddenSize);
            RegisterComponents();
        }

        public override (Tensor Output, Tensor H, Tensor C) forward(Tensor input, Tensor h, Tensor c)
        {
            (Tensor output, Tensor hn) = gru.forward(input, h.unsqueeze(0));
            return (output, hn.squeeze(0), c.clone());
        }
    }
}
