using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>
/// A real weight-sharing search process killed with SIGKILL while its second shared epoch trains (at its fourth
/// mini-batch), then resumed from its checkpoint directory: it ends exactly as the same search run without interruption.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class SharedWeightsKillAndResumeTests : IDisposable
{
    private const int Seed = 4;
    private readonly string _root = Directory.CreateTempSubdirectory("nas-shared-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static IEnumerable<(int, int, string, double, double)> Rows(SearchOutcome o) =>
        o.Trials.Select(t => (t.Index, t.Batch, t.Hash, t.Reward, t.Result.ValidationMetricPerEpoch[0]));

    [Fact]
    public async Task SearchKilledMidSharedEpochResumesFromItsLastEpochToTheUninterruptedResult()
    {
        string killed = Path.Combine(_root, "killed");
        string log = Path.Combine(killed, "trials.jsonl");
        await KillAndResumeTests.RunProbeUntilItKillsItself("shared-search", PipelineTestData.TestDataDirectory, killed, Seed.ToString());
        // The probe killed itself at the fourth mini-batch of the second shared epoch: after the first epoch's checkpoint,
        // before the second epoch scored any child.
        Assert.Equal(CrashableSearch.ChildrenPerEpoch, File.ReadAllLines(log).Count(l => l.Length > 0));

        CrashableSearch.SharedRun reference = CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, Path.Combine(_root, "reference"), Seed);
        CrashableSearch.SharedRun resumed = CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, killed, Seed);

        int total = CrashableSearch.SharedEpochs * CrashableSearch.ChildrenPerEpoch + CrashableSearch.FinalCandidates;
        Assert.Equal(total, resumed.Outcome.Trials.Count);
        Assert.Equal(Rows(reference.Outcome), Rows(resumed.Outcome));
        Assert.Equal(reference.Outcome.Best!.Hash, resumed.Outcome.Best!.Hash);
        Assert.Equal(reference.TrainingLoss, resumed.TrainingLoss);
        Assert.Equal(reference.MeanReward, resumed.MeanReward);
        Assert.Equal(reference.Entropy, resumed.Entropy);
        // Each child is logged once: the first epoch's were read back, the rerun epoch's were not logged twice.
        Assert.Equal(total, File.ReadAllLines(log).Length);
    }

    [Fact]
    public void FinishedSearchRunAgainOnItsCheckpointReturnsTheSameTrialsWithoutLoggingAnyTwice()
    {
        string directory = Path.Combine(_root, "finished");
        CrashableSearch.SharedRun first = CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, directory, Seed);
        CrashableSearch.SharedRun again = CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, directory, Seed);

        Assert.Equal(Rows(first.Outcome), Rows(again.Outcome));
        Assert.Equal(first.TrainingLoss, again.TrainingLoss);
        Assert.Equal(first.Outcome.Trials.Count, File.ReadAllLines(Path.Combine(directory, "trials.jsonl")).Length);
    }

    [Fact]
    public void CheckpointOfASeparatelyTrainedSearchIsRefusedByAWeightSharingSearchNamingTheDifference()
    {
        string directory = Path.Combine(_root, "separate");
        var space = CrashableSearch.Space();
        // What a separately trained search of the same space, strategy, seed and data leaves in its manifest.
        var separate = new CheckpointManifest
        {
            SearchSpace = space.Name,
            SearchSpaceFingerprint = space.Fingerprint,
            Strategy = "reinforce",
            Seed = Seed,
            TrialEpochs = 1,
            ReuseDuplicateResults = false,
            DataFingerprint = CrashableSearch.SharedDataFingerprint,
        };
        SearchCheckpoint.Open(directory, separate, NullSearchLog.Instance).Dispose();

        var refused = Assert.Throws<InvalidOperationException>(() => CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, directory, Seed));
        Assert.Contains("WeightSharing: checkpoint has '', this run has '3 shared epochs", refused.Message);
    }
}
