using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// Networks too large for the machine are refused from an estimate before anything is allocated (the probe that found
/// it: 20,000 filters in a 6-layer fixed architecture, 24 GB, then the kernel's OOM killer), and sizes too large to count
/// are a clear error, not an <see cref="OverflowException"/>.
/// </summary>
public sealed class MemoryGuardTests
{
    private static string SixLayers(int filters) => JsonSerializer.Serialize(new
    {
        space = "cnn",
        layers = Enumerable.Range(0, 6).Select(i => new { filterHeight = 3, filterWidth = 3, filters, stride = 1, pool = "none", inputs = i == 0 ? Array.Empty<int>() : new[] { i - 1 } }),
    });

    private static Exception FitFixed(int filters, long? maxMemory = null)
    {
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(PipelineTestData.ReadCifar("data_batch_1.bin").Take(60));
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.ConvolutionalSpace = new CnnSearchSpaceOptions { LayerCount = 6, FilterCounts = new[] { filters } };
        options.FixedArchitecture = SixLayers(filters);
        options.MaxMemoryPerChild = maxMemory;
        return Record.Exception(() => ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(train))!;
    }

    [Fact]
    public void AFixedArchitectureOverTheDefaultMemoryLimitIsRefusedBeforeItIsAllocated()
    {
        Exception e = FitFixed(20000);
        var refused = Assert.IsType<ArgumentException>(e);
        Assert.Contains("FixedArchitecture needs an estimated", refused.Message);
        Assert.Contains("MaxMemoryPerChild", refused.Message);
        Assert.Contains("by default half of the memory", refused.Message);
        Assert.True(Environment.WorkingSet < 8L << 30, $"working set {Environment.WorkingSet >> 20} MB: the network was allocated");
    }

    [Fact]
    public void AFixedArchitectureUnderAnExplicitLimitIsRefusedNamingThatLimit()
    {
        Exception e = FitFixed(64, maxMemory: 1 << 20);
        var refused = Assert.IsType<ArgumentException>(e);
        Assert.Contains("over MaxMemoryPerChild 0.001 GB", refused.Message);
        Assert.DoesNotContain("by default", refused.Message);
    }

    [Fact]
    public void FilterCountsTooLargeToCountAreAClearErrorNotAnOverflowException()
    {
        Exception e = FitFixed(1_000_000_000);
        var refused = Assert.IsType<ArgumentException>(e);
        Assert.Contains("do not fit the arithmetic", refused.Message);
        Assert.IsNotType<OverflowException>(refused.InnerException?.InnerException);
    }

    [Fact]
    public void ChildrenOverTheMemoryLimitAreRejectedAndLoggedLikeOtherScreenedChildren()
    {
        // TinySpace children "need" 4 bytes per parameter (100 + 10 x token sum): the limit lets only small ones train.
        const long limit = 4 * 130;
        var trainer = new FormulaTrainer();
        using var strategy = new DriftingStrategy(new TinySpace(), 5);
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = 6, MaxMemoryBytes = limit },
            MemoryEstimate = a => TrainingMemoryEstimate.Of(a.ParameterCount, 1, 0, 1),
        }).Run();

        TrialRecord[] rejected = outcome.Trials.Where(t => t.Kind == TrialKind.Rejected).ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, t => Assert.Contains("over MaxMemoryPerChild", t.Description));
        Assert.All(outcome.Trials.Where(t => t.Kind == TrialKind.Trained), t => Assert.True(4 * t.ParameterCount <= limit));
        Assert.Equal(6, trainer.Trained);
    }

    [Fact]
    public void TheCnnEstimateCountsThreeCopiesOfTheParametersAndActivationsInProportionToTheBatch()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        IArchitecture architecture = space.Decode(new int[space.Steps.Count]);
        TrainingMemoryEstimate small = CnnMemoryEstimate.For((CnnArchitecture)architecture, new CnnTrainingOptions { BatchSize = 16 });
        TrainingMemoryEstimate large = CnnMemoryEstimate.For((CnnArchitecture)architecture, new CnnTrainingOptions { BatchSize = 64 });
        TrainingMemoryEstimate lookahead = CnnMemoryEstimate.For((CnnArchitecture)architecture, new CnnTrainingOptions { BatchSize = 16, LookaheadSteps = 5 });

        Assert.Equal(12.0 * architecture.ParameterCount, small.Weights);
        Assert.Equal(16.0 * architecture.ParameterCount, lookahead.Weights);
        Assert.Equal(4 * small.Activations, large.Activations);
        // At least the input image and every layer's output, forward and backward, at 4 bytes a value.
        Assert.True(small.Activations >= 16 * 2 * 4 * (3 * 32 * 32 + 2 * 24 * 32 * 32));
    }

    [Fact]
    public void TheLanguageModelEstimateCountsAdamsTwoMomentsBesideTheWeightsAndGradients()
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { VocabularySize = 1000 });
        RecurrentCellArchitecture architecture = RecurrentCellReferences.Lstm(space)!;
        TrainingMemoryEstimate sgd = LanguageModelMemoryEstimate.For(architecture, new LanguageModelTrainingOptions { Optimizer = LanguageModelOptimizer.Sgd });
        TrainingMemoryEstimate adam = LanguageModelMemoryEstimate.For(architecture, new LanguageModelTrainingOptions { Optimizer = LanguageModelOptimizer.Adam });

        Assert.Equal(8.0 * architecture.ParameterCount, sgd.Weights); // float32 weights and gradients
        Assert.Equal(16.0 * architecture.ParameterCount, adam.Weights); // and Adam's first and second moments
        Assert.Equal(sgd.Activations, adam.Activations);
    }
}
