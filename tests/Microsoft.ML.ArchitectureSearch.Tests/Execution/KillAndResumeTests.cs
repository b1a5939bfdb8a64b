using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>A real search process killed with SIGKILL while a child trains, then resumed: nothing finished is lost or retrained.</summary>
public sealed class KillAndResumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nas-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task KilledSearchResumesToTheSameResultAsAnUninterruptedOne()
    {
        const int seed = 3;
        string killed = Path.Combine(_root, "killed");
        string log = Path.Combine(killed, "trials.jsonl");

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", ModelZipRoundTripTests.ProbePath(), "search", PipelineTestData.TestDataDirectory, killed, seed.ToString(), "2" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (Process process = Process.Start(start)!)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            // 137 = 128 + SIGKILL: the search was killed, not finished.
            Assert.True(process.ExitCode == 137, $"exit code {process.ExitCode}: {await stderr}");
        }
        int finishedBeforeKill = File.ReadAllLines(log).Count(l => l.Length > 0);
        Assert.Equal(2, finishedBeforeKill); // the third child was in flight

        SearchOutcome resumed = CrashableSearch.Run(PipelineTestData.TestDataDirectory, killed, seed);
        SearchOutcome reference = CrashableSearch.Run(PipelineTestData.TestDataDirectory, Path.Combine(_root, "reference"), seed);

        Assert.Equal(CrashableSearch.MaxTrials, resumed.TrainedCount);
        Assert.Equal(reference.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Result.ValidationMetricPerEpoch[0])),
            resumed.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Result.ValidationMetricPerEpoch[0])));
        // Each trial is logged once: the ones finished before the kill were read back, not trained again.
        Assert.Equal(CrashableSearch.MaxTrials, File.ReadAllLines(log).Length);
    }
}
