using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// Small real checkpointed searches (Reinforce over a 3-layer CNN space, on testdata CIFAR-10
/// images) that the tests run in-process and the probe runs in a separate process, so that process can be killed with
/// SIGKILL: one trains its children separately, one scores them on shared weights (ENAS).
/// </summary>
internal static class CrashableSearch
{
    public const int MaxTrials = 5;

    /// <summary>The weight-sharing search's schedule: shared epochs, children the controller scores after each, final candidates.</summary>
    public const int SharedEpochs = 3, ChildrenPerEpoch = 4, FinalCandidates = 3;

    /// <summary>What the weight-sharing search's checkpoint records as its data.</summary>
    public const string SharedDataFingerprint = "testdata cifar10 0..383";

    /// <summary>A weight-sharing search's outcome and its per-epoch curves.</summary>
    public sealed record SharedRun(SearchOutcome Outcome, double[] TrainingLoss, double[] MeanReward, double[] Entropy);

    /// <param name="testDataDirectory">testdata/.</param>
    /// <param name="checkpointDirectory">The search's checkpoint directory.</param>
    /// <param name="seed">The search's seed.</param>
    /// <param name="wrapTrainer">Wraps the shared-weight trainer (the probe's kill switch); null: the trainer as it is.</param>
    public static SharedRun RunWithSharedWeights(string testDataDirectory, string checkpointDirectory, int seed,
        Func<ISharedWeightTrainer, ISharedWeightTrainer>? wrapTrainer = null)
    {
        // Fewer rows than the separate search: each of the test's runs trains three shared epochs.
        (ImageData train, ImageData valid) = Images(testDataDirectory, trainRows: 256, validRows: 128);
        CnnSearchSpace space = Space();
        using var trainer = new SharedCnnTrainer(space, train, valid, new CnnTrainingOptions { BatchSize = 32, Device = "cpu" }, seed, SharedEpochs);
        // The weight-sharing preset (its skip penalty included), updating after every 2 children so that every epoch
        // holds controller updates.
        using var strategy = new ReinforceStrategy(space, seed, ReinforceOptions.ForWeightSharing with { ChildrenPerUpdate = 2 });
        var search = new WeightSharingSearch(strategy, wrapTrainer?.Invoke(trainer) ?? trainer, new WeightSharingRunOptions
        {
            SharedEpochs = SharedEpochs,
            ChildrenPerEpoch = ChildrenPerEpoch,
            FinalCandidates = FinalCandidates,
            Seed = seed,
            CheckpointDirectory = checkpointDirectory,
            DataFingerprint = SharedDataFingerprint,
        });
        // One libtorch thread wherever it runs (the probe process, or a test thread whose count other tests may have
        // set): the shared weights' sums depend on the thread count, and both runs must train alike.
        SearchOutcome outcome;
        using (IntraOpThreads.Use(1))
            outcome = search.Run(CancellationToken.None);
        return new SharedRun(outcome, search.SharedTrainingLoss.ToArray(), search.MeanRewardPerEpoch.ToArray(), search.ControllerEntropyPerEpoch.ToArray());
    }

    private static (ImageData Train, ImageData Valid) Images(string testDataDirectory, int trainRows = 400, int validRows = 200)
    {
        (ImageData all, _) = Cifar10Loader.LoadDense(Path.Combine(testDataDirectory, "cifar10"), Cifar10Split.Train, trainRows + validRows);
        return (all.Select(Enumerable.Range(0, trainRows).ToArray()), all.Select(Enumerable.Range(trainRows, validRows).ToArray()));
    }

    public static CnnSearchSpace Space() =>
        new(new CnnSearchSpaceOptions { LayerCount = 3, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 16, 24 } });

    public static SearchOutcome Run(string testDataDirectory, string checkpointDirectory, int seed, IProgress<SearchProgress>? progress = null)
    {
        (ImageData train, ImageData valid) = Images(testDataDirectory);
        CnnSearchSpace space = Space();
        using var trainer = new CnnChildTrainer(train, valid, null, new CnnTrainingOptions { BatchSize = 32, Device = "cpu" });
        using var strategy = new ReinforceStrategy(space, seed, new ReinforceOptions { ChildrenPerUpdate = 2 });
        return new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = MaxTrials },
            Seed = seed,
            TrialEpochs = 1,
            CheckpointDirectory = checkpointDirectory,
            ReuseDuplicateResults = false,
            Progress = progress,
            // One thread wherever it runs (the probe process, or a test thread whose count other tests may have set):
            // a child's result depends on its thread count.
            ThreadsPerChild = 1,
        }).Run();
    }
}
