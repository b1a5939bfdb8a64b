using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A small real checkpointed search (Reinforce over a 3-layer CNN space, children trained on 400 testdata images) that
/// the tests run in-process and the probe runs in a separate process, so that process can be killed with SIGKILL.
/// </summary>
internal static class CrashableSearch
{
    public const int MaxTrials = 5;

    public static SearchOutcome Run(string testDataDirectory, string checkpointDirectory, int seed, IProgress<SearchProgress>? progress = null)
    {
        (ImageData all, _) = Cifar10Loader.LoadDense(Path.Combine(testDataDirectory, "cifar10"), Cifar10Split.Train, 600);
        ImageData train = all.Select(Enumerable.Range(0, 400).ToArray()), valid = all.Select(Enumerable.Range(400, 200).ToArray());
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 16, 24 } });
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
        }).Run();
    }
}
