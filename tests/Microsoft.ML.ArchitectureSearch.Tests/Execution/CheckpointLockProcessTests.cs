using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// Two real search processes on one checkpoint directory (a command started twice, two pods on one volume): the second
/// is refused at once, naming the directory and the owner; the owner killed with SIGKILL leaves nothing that blocks.
/// </summary>
public sealed class CheckpointLockProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nas-lock-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Process StartProbe(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(ModelZipRoundTripTests.ProbePath());
        foreach (string a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    [Fact]
    public async Task ASecondSearchProcessIsRefusedAtOnceNamingTheOwnerAndAKilledOwnerDoesNotBlock()
    {
        using Process owner = StartProbe("hold", PipelineTestData.TestDataDirectory, _dir, "3");
        try
        {
            string ownerRecord = Path.Combine(_dir, CheckpointLock.OwnerFile);
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(ownerRecord) && File.ReadAllText(ownerRecord).Contains($"\"ProcessId\":{owner.Id},")))
            {
                if (owner.HasExited)
                    Assert.Fail($"the owning search exited ({owner.ExitCode}): {await owner.StandardError.ReadToEndAsync()}");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "the owning search never took the lock");
                await Task.Delay(100);
            }

            using Process second = StartProbe("search", PipelineTestData.TestDataDirectory, _dir, "3", "99");
            Task<string> stderr = second.StandardError.ReadToEndAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
                await second.WaitForExitAsync(timeout.Token); // refused before training: seconds, not a search's minutes
            string message = await stderr;
            Assert.NotEqual(0, second.ExitCode);
            Assert.Contains($"Checkpoint directory '{_dir}' is in use by another search (process {owner.Id} on host '{Environment.MachineName}'", message);
            Assert.False(owner.HasExited);
        }
        finally
        {
            owner.Kill(); // SIGKILL: no cleanup runs in the owner
            await owner.WaitForExitAsync();
        }
        Assert.Equal(137, owner.ExitCode);
        using CheckpointLock next = CheckpointLock.Acquire(_dir); // the kernel released the dead owner's lock
    }
}
