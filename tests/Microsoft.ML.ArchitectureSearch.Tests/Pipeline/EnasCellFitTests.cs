using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// Language modelling in the ENAS cell space on the Penn Treebank lines of testdata/: children trained separately or
/// scored on shared weights, the winner retrained, saved, loaded and scored.
/// </summary>
public sealed class EnasCellFitTests
{
    private sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    private sealed class Scored
    {
        public float Perplexity { get; set; }
        public string PredictedNextWord { get; set; } = "";
    }

    internal static ArchitectureSearchOptions Options() => new()
    {
        Task = ArchitectureSearchTask.LanguageModeling,
        FeatureColumnName = "Text",
        RecurrentCellSpace = new() { Cell = RecurrentCellKind.EnasDag, Nodes = 3, EmbeddingSize = 16, HiddenSize = 16, Layers = 1 },
        MaxTrials = 2,
        FinalEpochs = 1,
        Device = "cpu",
        Seed = 3,
    };

    internal static IDataView Lines(MLContext ml, string file, int count) =>
        ml.Data.LoadFromEnumerable(PipelineTestData.ReadPtb(file, count).Select(l => new Sentence { Text = l }));

    /// <summary>Fits, checks the architecture is an ENAS cell, and that save and load give bit-identical scores.</summary>
    internal static ArchitectureSearchTransformer FitSaveLoadAndCompare(ArchitectureSearchOptions options)
    {
        var ml = new MLContext(seed: 5);
        IDataView train = Lines(ml, "ptb.train.txt", 300);
        IDataView test = Lines(ml, "ptb.test.txt", 30);
        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(train);
        Assert.Equal("enas-cell", model.Architecture.SearchSpace);
        Assert.Contains("\"space\":\"enas-cell\"", model.Architecture.Json);

        Scored[] rows = ml.Data.CreateEnumerable<Scored>(model.Transform(test), reuseRowObject: false).ToArray();
        Assert.Equal(30, rows.Length);
        Assert.All(rows, r => Assert.True(float.IsFinite(r.Perplexity) && r.Perplexity >= 1, $"perplexity {r.Perplexity}"));
        string directory = Directory.CreateTempSubdirectory("archsearch-enas-").FullName;
        try
        {
            string path = Path.Combine(directory, "lm.zip");
            ml.Model.Save(model, train.Schema, path);
            var loaded = Assert.IsType<ArchitectureSearchTransformer>(new MLContext().Model.Load(path, out _));
            Assert.Equal(model.Architecture, loaded.Architecture);
            Scored[] reloaded = ml.Data.CreateEnumerable<Scored>(loaded.Transform(test), reuseRowObject: false).ToArray();
            Assert.Equal(rows.Select(r => (BitConverter.SingleToInt32Bits(r.Perplexity), r.PredictedNextWord)),
                reloaded.Select(r => (BitConverter.SingleToInt32Bits(r.Perplexity), r.PredictedNextWord)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return model;
    }

    [Fact]
    public void SeparatelyTrainedSearchInTheEnasSpaceSavesLoadsAndScores()
    {
        ArchitectureSearchTransformer model = FitSaveLoadAndCompare(Options());
        // The space's reference (the tanh chain) is trained first, then the controller's child.
        Assert.Equal(2, model.Trials.Count);
        Assert.Equal("tanh chain", model.Trials[0].Reference);
        Assert.All(model.Trials, t => Assert.Equal("perplexity", t.Result.MetricName));
    }
}
