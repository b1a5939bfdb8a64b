using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>One search per checkpoint directory, within a process (see <see cref="CheckpointLockProcessTests"/> across processes).</summary>
public sealed class CheckpointLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nas-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ASearchOnAHeldDirectoryIsRefusedNamingTheDirectoryAndTheOwnerAndRunsOnceReleased()
    {
        using (CheckpointLock.Acquire(_dir))
        {
            var e = Assert.Throws<IOException>(() => TinyCheckpointedSearch.Run(_dir, 3));
            Assert.Contains(_dir, e.Message);
            Assert.Contains($"process {Environment.ProcessId} on host '{Environment.MachineName}'", e.Message);
            Assert.False(File.Exists(Path.Combine(_dir, "trials.jsonl"))); // refused before writing anything
        }
        Assert.Equal(3, TinyCheckpointedSearch.Run(_dir, 3).TrainedCount);
    }

    [Fact]
    public void AFinishedSearchReleasesTheDirectoryAndRemovesItsOwnerRecord()
    {
        TinyCheckpointedSearch.Run(_dir, 2);
        Assert.False(File.Exists(Path.Combine(_dir, CheckpointLock.OwnerFile)));
        using CheckpointLock again = CheckpointLock.Acquire(_dir);
    }
}
