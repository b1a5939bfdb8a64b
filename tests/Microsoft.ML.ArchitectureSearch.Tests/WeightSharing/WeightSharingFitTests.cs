using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>A weight-sharing Fit on the real CIFAR-10 images of testdata/: every strategy, the budgets, save and load.</summary>
public sealed class WeightSharingFitTests
{
    private const int FinalCandidates = 10;
    private static readonly CifarImage[] Images = PipelineTestData.ReadCifar("data_batch_1.bin", 400);

    private static ArchitectureSearchOptions SharedSearch(SearchStrategy strategy, int sharedEpochs, int childrenPerEpoch)
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.WeightSharing = true;
        options.Strategy = strategy;
        options.SharedEpochs = sharedEpochs;
        options.MaxTrials = childrenPerEpoch;
        options.FinalEpochs = 1;
        options.Seed = 5;
        options.ConvolutionalSpace = new() { LayerCount = 3, FilterCounts = new[] { 8, 16 } };
        return options;
    }

    private static IDataView Keyed(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Images)).Transform(ml.Data.LoadFromEnumerable(Images));

    [Theory]
    [InlineData(SearchStrategy.Reinforce)]
    [InlineData(SearchStrategy.Random)]
    [InlineData(SearchStrategy.Evolution)]
    public void EveryChildScoredOnSharedWeightsIsATrialAndTheBestFinalCandidateIsRetrained(SearchStrategy strategy)
    {
        var ml = new MLContext(seed: 1);
        int reports = 0;
        ArchitectureSearchOptions options = SharedSearch(strategy, sharedEpochs: 2, childrenPerEpoch: 4);
        options.Progress = new Progress(_ => reports++);

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));

        Assert.Equal(2 * 4 + FinalCandidates, model.Trials.Count);
        Assert.Equal(model.Trials.Count, reports);
        Assert.All(model.Trials, t => Assert.Equal(TrialKind.Trained, t.Kind));
        Assert.All(model.Trials, t => Assert.StartsWith("shared-weight accuracy", t.Result.MetricName));
        TrialRecord[] finalists = model.Trials.Skip(2 * 4).ToArray();
        Assert.All(finalists, t => Assert.Equal("shared-weight accuracy (all validation rows)", t.Result.MetricName));
        Assert.Equal(finalists.MaxBy(t => t.Reward)!.Hash, model.Architecture.Hash);
    }

    [Fact]
    public void WithALatencyObjectiveEveryChildCarriesOneTimingOfItsOwnNetwork()
    {
        var ml = new MLContext(seed: 1);
        ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Random, sharedEpochs: 1, childrenPerEpoch: 6);
        options.Objective = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 1 };

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));

        Assert.All(model.Trials, t =>
        {
            Assert.Equal(ObjectiveCost.Latency, t.CostKind);
            Assert.True(t.Cost > 0, $"trial {t.Index} has latency {t.Cost}");
        });
        // The same architecture carries one timing wherever it was scored, and different ones were timed apart (the
        // timing's stability is InferenceLatencyTests'; it is the helper a separately trained search uses too).
        Assert.All(model.Trials.GroupBy(t => t.Hash), g => Assert.Single(g.Select(t => t.Cost).Distinct()));
        Assert.True(model.Trials.Select(t => t.Cost).Distinct().Count() > 1, "every child got the same latency");
    }

    [Fact]
    public void TheRetrainedWinnerSavesLoadsAndScoresAsTheFittedModelDoes()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Keyed(ml);
        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(SharedSearch(SearchStrategy.Reinforce, 1, 3)).Fit(data);
        string directory = Directory.CreateTempSubdirectory("archsearch-weight-sharing-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.zip");
            ml.Model.Save(model, data.Schema, path);
            ITransformer loaded = new MLContext(seed: 2).Model.Load(path, out _);

            var loadedModel = Assert.IsType<ArchitectureSearchTransformer>(loaded);
            Assert.Equal(model.Architecture.Hash, loadedModel.Architecture.Hash);
            float[][] Scores(ITransformer t) => ml.Data.CreateEnumerable<CifarPrediction>(t.Transform(data), reuseRowObject: false)
                .Take(20).Select(p => p.Score).ToArray();
            Assert.Equal(Scores(model), Scores(loaded));
            Assert.All(Scores(loaded), s => Assert.Equal(1f, s.Sum(), 3));

            // The fitted model's report has the shared training loss; the loaded one's (the zip keeps only the trials) has not.
            var fittedReport = model.WriteReport(Path.Combine(directory, "report-fitted"));
            var loadedReport = loadedModel.WriteReport(Path.Combine(directory, "report-loaded"));
            Assert.True(File.Exists(fittedReport.SharedTrainingLossChart), "the fitted model's report has no training-loss chart");
            Assert.True(File.Exists(loadedReport.ControllerChart), "the loaded model's report has no controller chart");
            Assert.Null(loadedReport.SharedTrainingLossChart);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void MaxSearchTimeSpentBeforeTheFirstSharedEpochLeavesOnlyTheFinalCandidates()
    {
        var ml = new MLContext(seed: 1);
        ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Random, sharedEpochs: 3, childrenPerEpoch: 4);
        options.MaxSearchTime = TimeSpan.FromTicks(1);

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));

        Assert.Equal(FinalCandidates, model.Trials.Count);
    }

    [Fact]
    public void CancellingDuringTheStrategyPhaseKeepsTheScoredChildrenAndRetrainsTheBestOfThem()
    {
        var ml = new MLContext(seed: 1);
        using var cancellation = new CancellationTokenSource();
        ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Reinforce, sharedEpochs: 2, childrenPerEpoch: 6);
        options.CancellationToken = cancellation.Token;
        options.Progress = new Progress(p => { if (p.TrainedTrials == 3) cancellation.Cancel(); });

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));

        Assert.Equal(3, model.Trials.Count);
        Assert.Equal(model.Trials.MaxBy(t => t.Reward)!.Hash, model.Architecture.Hash);
    }

    [Fact]
    public void SecondFitOnTheSameCheckpointDirectoryResumesTheFinishedSearchAndReadsItsChildrenBack()
    {
        var ml = new MLContext(seed: 1);
        string directory = Directory.CreateTempSubdirectory("archsearch-weight-sharing-ckpt-").FullName;
        try
        {
            ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Reinforce, sharedEpochs: 2, childrenPerEpoch: 3);
            options.CheckpointDirectory = directory;
            ArchitectureSearchTransformer first = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));
            var messages = new List<string>();
            ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
            ArchitectureSearchTransformer second = ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml));

            Assert.Contains(messages, m => m.Contains("Weight-sharing search resumed after 2 of 2 shared epochs"));
            // Read back, not scored again: a rescored child would carry a new wall time.
            Assert.Equal(first.Trials.Select(t => (t.Hash, t.Reward, t.Result.WallTime)), second.Trials.Select(t => (t.Hash, t.Reward, t.Result.WallTime)));
            Assert.Equal(first.Architecture.Hash, second.Architecture.Hash);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static TheoryData<string, Action<ArchitectureSearchOptions>> RefusedCombinations => new()
    {
        { "Parallelism", o => o.Parallelism = 2 },
        { "ThreadsPerChild", o => o.ThreadsPerChild = 1 },
        { "EarlyStopping", o => o.EarlyStopping = true },
        { "TrialTimeLimit", o => o.TrialTimeLimit = TimeSpan.FromMinutes(1) },
        { "MaxParametersPerChild", o => o.MaxParametersPerChild = 100_000 },
        { "FixedArchitecture", o => o.FixedArchitecture = "{}" },
        { "SharedEpochs", o => o.SharedEpochs = 0 },
        { "WeightSharing", o => o.ConvolutionalSpace = o.ConvolutionalSpace with { Stem = SearchSpaces.Cnn.CnnStem.PatchWhitening } },
        { "WeightSharing", o => { o.Task = ArchitectureSearchTask.LanguageModeling; o.FeatureColumnName = "Text"; } },
    };

    [Theory]
    [MemberData(nameof(RefusedCombinations))]
    public void OptionsWeightSharingCannotHonourAreRefusedByName(string option, Action<ArchitectureSearchOptions> change)
    {
        ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Reinforce, 1, 1);
        change(options);
        var error = Assert.ThrowsAny<ArgumentException>(() => new MLContext().Transforms.ArchitectureSearch(options));
        Assert.Contains("ArchitectureSearchOptions." + option, error.Message);
    }

    [Theory]
    [InlineData(ArchitectureSearchTask.ImageClassification, "use ConvolutionalSpace.MaxParameters")]
    [InlineData(ArchitectureSearchTask.LanguageModeling, "use RecurrentCellSpace.MaxParameters")]
    public void MaxParametersPerChildRefusalPointsToTheTasksOwnSpaceLimit(ArchitectureSearchTask task, string advice)
    {
        ArchitectureSearchOptions options = SharedSearch(SearchStrategy.Reinforce, 1, 1);
        options.MaxParametersPerChild = 100_000;
        if (task == ArchitectureSearchTask.LanguageModeling)
        {
            options.Task = task;
            options.FeatureColumnName = "Text";
            options.RecurrentCellSpace = options.RecurrentCellSpace with { Cell = SearchSpaces.RecurrentCell.RecurrentCellKind.EnasDag };
        }

        var error = Assert.ThrowsAny<ArgumentException>(() => new MLContext().Transforms.ArchitectureSearch(options));
        Assert.Contains("ArchitectureSearchOptions.MaxParametersPerChild", error.Message);
        Assert.Contains(advice, error.Message);
    }

    private sealed class Progress(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
