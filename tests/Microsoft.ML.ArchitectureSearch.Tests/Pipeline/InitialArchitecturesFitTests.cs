using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>ArchitectureSearchOptions.InitialArchitectures through a real Fit on CIFAR-10 test images.</summary>
public sealed class InitialArchitecturesFitTests
{
    private static readonly CifarImage[] Images = PipelineTestData.ReadCifar("data_batch_1.bin", 160);

    /// <summary>A 3-layer space offering 3x3 filters and 64 filters, so the plain and dense stacks are members (and differ).</summary>
    private static ArchitectureSearchOptions Options(int trials)
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = trials;
        options.FinalEpochs = 1;
        options.Seed = 4;
        options.Strategy = SearchStrategy.Random;
        options.ConvolutionalSpace = new() { LayerCount = 3, FilterCounts = new[] { 8, 64 }, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 1, 3 } };
        return options;
    }

    private static ArchitectureSearchTransformer Fit(ArchitectureSearchOptions options)
    {
        var ml = new MLContext(seed: 1);
        return ml.Transforms.ArchitectureSearch(options).Fit(PipelineTestData.Keyed(ml, Images));
    }

    [Fact]
    public void ByDefaultTheSpacesReferencesAreTheFirstTrialsAndTheHistoryAndReportMarkThem()
    {
        ArchitectureSearchTransformer model = Fit(Options(trials: 3));

        Assert.Equal(new[] { "plain 3x3 stack", "dense 3x3 stack", null }, model.Trials.Select(t => t.Reference));
        Assert.Equal(new[] { TrialKind.Trained, TrialKind.Trained }, model.Trials.Take(2).Select(t => t.Kind));
        DataFrame history = model.History;
        Assert.Equal(new[] { "plain 3x3 stack", "dense 3x3 stack", "" }, ((StringDataFrameColumn)history["Reference"]).ToArray());

        string dir = Path.Combine(Path.GetTempPath(), "nas-initial-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            string summary = File.ReadAllText(model.WriteReport(dir).Summary);
            Assert.Contains("Reference architectures: plain 3x3 stack (trial 0", summary);
            Assert.Contains("dense 3x3 stack (trial 1", summary);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnEmptyListStartsFromNothingAndAGivenDocumentIsTrainedFirst()
    {
        ArchitectureSearchOptions none = Options(trials: 1);
        none.InitialArchitectures = Array.Empty<string>();
        Assert.Null(Assert.Single(Fit(none).Trials).Reference);

        const string Given = """{"space":"cnn","layers":[{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[]},{"filterHeight":1,"filterWidth":3,"filters":8,"inputs":[0]},{"filterHeight":3,"filterWidth":1,"filters":8,"inputs":[0,1]}]}""";
        ArchitectureSearchOptions given = Options(trials: 1);
        given.InitialArchitectures = new[] { Given };
        TrialRecord trial = Assert.Single(Fit(given).Trials);
        Assert.Equal("initial architecture 0", trial.Reference);
        Assert.StartsWith("3 layers: 1x1x8, 1x3x8 [from 0], 3x1x8 [from 0,1]", trial.Description);
    }

    [Fact]
    public void ADocumentOutsideTheSpaceIsRefusedNamingItsPositionBeforeAnyTraining()
    {
        ArchitectureSearchOptions options = Options(trials: 2);
        options.InitialArchitectures = new[]
        {
            """{"space":"cnn","layers":[{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[]},{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[0]},{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[1]}]}""",
            """{"space":"cnn","layers":[{"filterHeight":5,"filterWidth":1,"filters":8,"inputs":[]},{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[0]},{"filterHeight":1,"filterWidth":1,"filters":8,"inputs":[1]}]}""",
        };
        var e = Assert.Throws<ArgumentException>(() => Fit(options));
        Assert.Contains("InitialArchitectures[1]", e.Message);
        Assert.Contains("5", e.Message);

        options.InitialArchitectures = new[] { " " };
        Assert.Contains("InitialArchitectures", Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Transforms.ArchitectureSearch(options)).Message);
    }
}
