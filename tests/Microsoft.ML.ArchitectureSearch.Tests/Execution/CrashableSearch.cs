using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A small real checkpointed search (Reinforce over a 2-layer CNN space, children trained on 160 testdata images) that
/// the tests run in-process and the probe runs in a separate process, so that process can be killed with SIGKILL.
/// </summary>
public static class CrashableSearch
{
    public const int MaxTrials = 8;

    public static SearchOutcome Run(string testDataDirectory, string checkpointDirectory, int seed)
    {
        (DenseImageData all, _) = Cifar10Loader.LoadDense(Path.Combine(testDataDirectory, "cifar10"), Cifar10Split.Train, 240);
        var train = new DenseImageData(all.Pixels[..(160 * 3072)], all.Labels[..160], 3, 32, 32);
        var valid = new DenseImageData(all.Pixels[(160 * 3072)..], all.Labels[160..], 3, 32, 32);
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 1, 3 }, FilterCounts = new[] { 8, 16 } });
        using var trainer = new CnnChildTrainer(train, valid, null, new CnnTrainingOptions { BatchSize = 32, Device = "cpu" });
        using var strategy = new ReinforceStrategy(space, seed, new ReinforceOptions { ChildrenPerUpdate = 2 });
        return new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = MaxTrials },
            Seed = seed,
            TrialEpochs = 1,
            CheckpointDirectory = checkpointDirectory,
            ReuseDuplicateResults = false,
        }).Run();
    }
}
