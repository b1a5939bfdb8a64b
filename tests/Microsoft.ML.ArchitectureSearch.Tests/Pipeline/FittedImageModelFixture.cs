using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// Fits MapValueToKey("Label") + ArchitectureSearch once on the 1000 real CIFAR-10 training images of testdata/
/// (stand-in runner: one epoch of a small CNN) and shares the model with the pipeline and model-zip tests.
/// </summary>
public sealed class FittedImageModelFixture : IDisposable
{
    public FittedImageModelFixture()
    {
        ML = new MLContext(seed: 7);
        Train = PipelineTestData.ReadCifar("data_batch_1.bin");
        Test = PipelineTestData.ReadCifar("test_batch.bin");
        TrainView = ML.Data.LoadFromEnumerable(Train);
        TestView = ML.Data.LoadFromEnumerable(Test);
        Pipeline = ML.Transforms.Conversion.MapValueToKey("Label")
            .Append(ML.Transforms.ArchitectureSearch(ImageOptions()));
        Model = Pipeline.Fit(TrainView);
        Searched = Model.LastTransformer;
        Directory = System.IO.Directory.CreateTempSubdirectory("archsearch-pipeline-tests-").FullName;
    }

    public MLContext ML { get; }
    public CifarImage[] Train { get; }
    public CifarImage[] Test { get; }
    public IDataView TrainView { get; }
    public IDataView TestView { get; }
    public EstimatorChain<ArchitectureSearchTransformer> Pipeline { get; }
    public TransformerChain<ArchitectureSearchTransformer> Model { get; }
    public ArchitectureSearchTransformer Searched { get; }

    /// <summary>A temporary folder for model zips, deleted with the fixture.</summary>
    public string Directory { get; }

    public static ArchitectureSearchOptions ImageOptions() => new()
    {
        Task = ArchitectureSearchTask.ImageClassification,
        FeatureColumnName = "Image",
        LabelColumnName = "Label",
        ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
        Strategy = SearchStrategy.Reinforce,
        // A small real search: 3 children of a 3-layer space, one epoch each, the best retrained for 3 epochs.
        MaxTrials = 3, TrialEpochs = 1, FinalEpochs = 3,
        ConvolutionalSpace = new() { LayerCount = 3 },
        Device = "cpu",
    };

    /// <summary>Exact predictions (see PipelineTestData.Format) of <paramref name="model"/> for the first test images.</summary>
    public string[] Predict(ITransformer model, int count)
    {
        using var engine = ML.Model.CreatePredictionEngine<CifarImage, CifarPrediction>(model);
        return Test.Take(count).Select(image => PipelineTestData.Format(engine.Predict(image))).ToArray();
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class FittedImageModelCollection : ICollectionFixture<FittedImageModelFixture>
{
    public const string Name = "Fitted CIFAR-10 ArchitectureSearch model";
}
