using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// A real Fit process with a CheckpointDirectory killed with SIGKILL after its final training's first epoch, then run
/// again: the rerun trains only the missing final epochs and gives the model an uninterrupted Fit gives.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class FinalTrainingKillAndResumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nas-final-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AFitKilledAfterItsFirstFinalEpochResumesTheFinalTrainingThereAndGivesTheUninterruptedModel()
    {
        string killed = Path.Combine(_root, "killed");
        await KillAndResumeTests.RunProbeUntilItKillsItself("final-fit", killed);
        string checkpoint = Path.Combine(killed, FinalTrainingCheckpoint.FileName);
        Assert.True(File.Exists(checkpoint), "the killed Fit left no final-training checkpoint");

        CrashableFit.Outcome resumed = CrashableFit.Fit(killed);
        CrashableFit.Outcome reference = CrashableFit.Fit(Path.Combine(_root, "reference"));

        Assert.Contains(resumed.Log, m => m.Contains($"Final training: resuming from {checkpoint}"));
        Assert.Equal(new[] { 2, 3 }, resumed.FinalEpochsTrained); // the first final epoch came from the checkpoint
        Assert.Equal(new[] { 1, 2, 3 }, reference.FinalEpochsTrained);
        Assert.Equal(reference.Predictions, resumed.Predictions);
        Assert.False(File.Exists(checkpoint), "the finished Fit kept its final-training checkpoint");
    }
}
