using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// Run-time conventions of an ML.NET estimator: messages on mlContext.Log, mlContext.CancelExecution() honoured, and
/// options copied at creation so later edits by the caller change nothing.
/// </summary>
public sealed class MLNetConventionsTests
{
    private static readonly CifarImage[] Images = PipelineTestData.ReadCifar("data_batch_1.bin", 240);

    private static ArchitectureSearchOptions SmallSearch(int trials)
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = trials;
        options.FinalEpochs = 1;
        options.Seed = 3;
        options.ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 8, 12 } };
        return options;
    }

    private static IDataView Keyed(MLContext ml) => PipelineTestData.Keyed(ml, Images);

    [Fact]
    public void TrialResultsAndTheSearchSummaryReachTheMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };

        ml.Transforms.ArchitectureSearch(SmallSearch(trials: 2)).Fit(Keyed(ml));

        Assert.Contains(messages, m => m.Contains("trial 0 [Trained]"));
        Assert.Contains(messages, m => m.Contains("trial 1 [Trained]"));
        Assert.Contains(messages, m => m.Contains("Search stopped (MaxTrialsReached)"));
        Assert.Contains(messages, m => m.Contains("Final network: accuracy"));
    }

    [Fact]
    public void CancelExecutionOnTheMLContextStopsTheSearchAfterTheFinishedTrialsAndFitReturnsTheBest()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Keyed(ml);
        ArchitectureSearchOptions options = SmallSearch(trials: 6);
        options.Progress = new Progress(_ => CancelExecution(ml));

        ArchitectureSearchTransformer model = ml.Transforms.ArchitectureSearch(options).Fit(data);

        // The first child finished and reported; the cancellation reached the search before a sixth child was trained.
        int trained = model.Trials.Count(t => t.Kind == TrialKind.Trained);
        Assert.InRange(trained, 1, 2);
        Assert.Equal(model.Trials.Where(t => t.Kind == TrialKind.Trained).MaxBy(t => t.Reward)!.Hash, model.Architecture.Hash);
    }

    [Fact]
    public void CancellingBeforeAnyChildFinishedThrowsOperationCanceledSayingSo()
    {
        var ml = new MLContext(seed: 1);
        ArchitectureSearchOptions options = SmallSearch(trials: 3);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        options.CancellationToken = cancelled.Token;

        var error = Assert.Throws<OperationCanceledException>(() => ml.Transforms.ArchitectureSearch(options).Fit(Keyed(ml)));
        Assert.Contains("cancelled before any child finished", error.Message);
    }

    [Fact]
    public void EditingTheCallersOptionsAndListsAfterCreatingTheEstimatorChangesNothing()
    {
        var filterCounts = new List<int> { 8, 12 };
        var combinations = new List<CellCombination> { CellCombination.Add };
        var options = new ArchitectureSearchOptions
        {
            MaxTrials = 4,
            ConvolutionalSpace = new() { FilterCounts = filterCounts },
            RecurrentCellSpace = new() { Combinations = combinations },
        };
        ArchitectureSearchEstimator estimator = new MLContext(seed: 1).Transforms.ArchitectureSearch(options);

        options.MaxTrials = 99;
        options.ConvolutionalSpace = new() { LayerCount = 9 };
        filterCounts[0] = 1000;
        filterCounts.Add(2000);
        combinations.Add(CellCombination.Multiply);

        Assert.Equal(4, estimator.Options.MaxTrials);
        Assert.Equal(new[] { 8, 12 }, estimator.Options.ConvolutionalSpace.FilterCounts);
        Assert.Equal(6, estimator.Options.ConvolutionalSpace.LayerCount);
        Assert.Equal(new[] { CellCombination.Add }, estimator.Options.RecurrentCellSpace.Combinations);
    }

    // MLContext.CancelExecution is internal in ML.NET 5: users reach it through Microsoft.ML.Experimental's
    // extension method of the same name (not served on this feed), and AutoML calls it when its experiment is cancelled.
    private static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(ml, null);

    private sealed class Progress(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
