using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// SearchTrainingRows (children train on a prefix of the training rows, the best is retrained on all of them) and
/// FixedArchitecture (no search: one given architecture trained as the best child of a search would be).
/// </summary>
public sealed class ProxySearchAndFixedArchitectureTests
{
    private readonly MLContext _ml = new(seed: 11);
    private readonly CifarImage[] _images = PipelineTestData.ReadCifar("data_batch_1.bin", 400);
    private readonly CifarImage[] _test = PipelineTestData.ReadCifar("test_batch.bin", 20);

    private ArchitectureSearchOptions Options(int trials = 2)
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = trials;
        options.FinalEpochs = 1;
        options.Seed = 5;
        options.ValidationData = Keyed(_images[300..]);
        return options;
    }

    private IDataView Keyed(CifarImage[] rows) => _ml.Data.LoadFromEnumerable(rows);

    private TransformerChain<ArchitectureSearchTransformer> Fit(CifarImage[] train, ArchitectureSearchOptions options)
    {
        // The key mapping is fitted on the validation rows' labels too, so every fit maps names to the same keys.
        var keys = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(Keyed(_images));
        options.ValidationData = keys.Transform(options.ValidationData!);
        var search = _ml.Transforms.ArchitectureSearch(options).Fit(keys.Transform(Keyed(train)));
        return new TransformerChain<ArchitectureSearchTransformer>(new ITransformer[] { keys, search });
    }

    private string[] Predict(ITransformer model)
    {
        using var engine = _ml.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
        return _test.Select(image => PipelineTestData.Format(engine.Predict(image))).ToArray();
    }

    [Fact]
    public void ChildrenSeeOnlyTheFirstSearchTrainingRowsAndTheBestIsRetrainedOnAllRows()
    {
        ArchitectureSearchOptions proxy = Options();
        proxy.SearchTrainingRows = 100;
        var withProxy = Fit(_images[..300], proxy);
        var onPrefixOnly = Fit(_images[..100], Options());

        // The search is the same as a search on the first 100 rows alone: same children, same rewards.
        Assert.Equal(onPrefixOnly.LastTransformer.Trials.Select(t => (t.Hash, t.Reward)), withProxy.LastTransformer.Trials.Select(t => (t.Hash, t.Reward)));
        Assert.Equal(onPrefixOnly.LastTransformer.Architecture.Description, withProxy.LastTransformer.Architecture.Description);
        // The final network is not: it was retrained on all 300 rows (plus validation) rather than on the 100.
        Assert.NotEqual(Predict(onPrefixOnly), Predict(withProxy));

        // A limit above the row count is the same as none.
        ArchitectureSearchOptions generous = Options();
        generous.SearchTrainingRows = 1000;
        Assert.Equal(Predict(onPrefixOnly), Predict(Fit(_images[..100], generous)));
    }

    [Fact]
    public void TheFittedModelsArchitectureJsonRetrainsAsFixedArchitectureWithTheSameHashAndNetworkAlsoAfterSaveAndLoad()
    {
        var searched = Fit(_images[..300], Options(trials: 1));
        // The document a user finds on the fitted model is the one FixedArchitecture takes, also after a model-zip round trip.
        string json = searched.LastTransformer.Architecture.Json;
        ArchitectureSearchTransformer reloaded = SaveAndLoad(searched);
        Assert.Equal(json, reloaded.Architecture.Json);
        Assert.Equal(searched.LastTransformer.Architecture.Hash, reloaded.Architecture.Hash);

        ArchitectureSearchOptions fixedOptions = Options();
        fixedOptions.FixedArchitecture = reloaded.Architecture.Json;
        var trained = Fit(_images[..300], fixedOptions);

        Assert.Empty(trained.LastTransformer.Trials);
        Assert.Equal(searched.LastTransformer.Architecture.Hash, trained.LastTransformer.Architecture.Hash);
        Assert.Equal(json, trained.LastTransformer.Architecture.Json);
        Assert.Equal(searched.LastTransformer.Architecture.ParameterCount, trained.LastTransformer.Architecture.ParameterCount);
        // Same architecture, seed and rows: the network is bit for bit the one the search's final retraining made.
        Assert.Equal(Predict(searched), Predict(trained));
    }

    [Fact]
    public void TheSearchReportsBestArchitectureJsonIsTheFittedModelsDocument()
    {
        var searched = Fit(_images[..300], Options(trials: 2));
        string directory = Path.Combine(Path.GetTempPath(), "nas-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = searched.LastTransformer.WriteReport(directory);
            Assert.Equal(searched.LastTransformer.Architecture.Json, File.ReadAllText(report.BestArchitectureJson!));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private ArchitectureSearchTransformer SaveAndLoad(TransformerChain<ArchitectureSearchTransformer> model)
    {
        using var stream = new MemoryStream();
        _ml.Model.Save(model, Keyed(_images[..1]).Schema, stream);
        stream.Position = 0;
        var loaded = (TransformerChain<ITransformer>)new MLContext().Model.Load(stream, out _);
        return Assert.IsType<ArchitectureSearchTransformer>(loaded.LastTransformer);
    }

    [Fact]
    public void AFixedArchitectureWithSettingsTrainsInItsOwnSpaceWithTheDatasShapeAndClassCount()
    {
        // A staged 4-layer document, written for 4 classes, while the options' space has 3 layers and no stages.
        const string json = "{\"space\":\"cnn\",\"layers\":[" +
            "{\"filterHeight\":3,\"filterWidth\":3,\"filters\":8,\"inputs\":[]}," +
            "{\"filterHeight\":3,\"filterWidth\":3,\"filters\":16,\"inputs\":[0]}," +
            "{\"filterHeight\":3,\"filterWidth\":3,\"filters\":32,\"inputs\":[0,1]}," +
            "{\"filterHeight\":1,\"filterWidth\":1,\"filters\":32,\"inputs\":[2]}]," +
            "\"settings\":{\"layerCount\":4,\"classCount\":4,\"reductionAfterLayers\":[1],\"stageFilterCounts\":[[8,16],[32]]}}";
        ArchitectureSearchOptions options = Options();
        options.FixedArchitecture = json;

        var trained = Fit(_images[..100], options);

        SearchedArchitecture architecture = trained.LastTransformer.Architecture;
        Assert.Empty(trained.LastTransformer.Trials);
        Assert.StartsWith("4 layers in 2 stages: 3x3x8, 3x3x16 [from 0] | 3x3x32 [from 0,1], 1x1x32 [from 2];", architecture.Description);
        Assert.Contains("\"classCount\":10,", architecture.Json); // the data's ten classes, not the document's four
        Assert.Contains("reductions=1;stage_filters=8,16|32;skip_resize=pool_to_smallest", architecture.SpaceFingerprint);
        Assert.Equal(20, Predict(trained).Length);
        Assert.Equal(architecture.Hash, SaveAndLoad(trained).Architecture.Hash);
    }

    [Theory]
    [InlineData("{\"space\":\"recurrent-cell\",\"layers\":[]}", "search space")]
    [InlineData("not json", "malformed")]
    [InlineData("{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":64,\"stride\":1,\"pool\":\"none\",\"inputs\":[]}]}", "expects 3 layers")]
    public void AFixedArchitectureOutsideTheSpaceIsRefusedByName(string json, string reason)
    {
        ArchitectureSearchOptions options = Options();
        options.FixedArchitecture = json;
        var error = Assert.Throws<ArgumentException>(() => Fit(_images[..50], options));
        Assert.Contains("FixedArchitecture", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void NonPositiveSearchTrainingRowsAndBlankArchitectureAreRefusedUpFront()
    {
        ArchitectureSearchOptions rows = Options();
        rows.SearchTrainingRows = 0;
        Assert.Contains("SearchTrainingRows", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(rows)).Message);
        ArchitectureSearchOptions blank = Options();
        blank.FixedArchitecture = " ";
        Assert.Contains("FixedArchitecture", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(blank)).Message);
    }
}
