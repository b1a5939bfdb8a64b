using System.Diagnostics;
using System.Text;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A real search process killed with SIGKILL while a child trains, then resumed as it was left, and with the damage a
/// kill or a user can add: nothing finished is lost or retrained, and what cannot be resumed exactly is refused.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class KillAndResumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nas-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static IEnumerable<(int, string, double, double)> Rows(SearchOutcome o) =>
        o.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Result.ValidationMetricPerEpoch[0]));

    [Fact]
    public async Task KilledSearchResumesToTheUninterruptedResultAlsoWithATornRecordAndIsRefusedWithoutItsState()
    {
        const int seed = 3;
        string killed = Path.Combine(_root, "killed");
        string log = Path.Combine(killed, "trials.jsonl");

        await RunProbeUntilItKillsItself("search", PipelineTestData.TestDataDirectory, killed, seed.ToString(), "2");
        int finishedBeforeKill = File.ReadAllLines(log).Count(l => l.Length > 0);
        Assert.Equal(2, finishedBeforeKill); // the third child was in flight

        string torn = Copy(killed, "torn"), stateless = Copy(killed, "stateless");
        File.Delete(Path.Combine(stateless, "strategy.state"));
        var refused = Assert.Throws<InvalidDataException>(() => CrashableSearch.Run(PipelineTestData.TestDataDirectory, stateless, seed));
        Assert.Contains($"'{Path.Combine(stateless, "strategy.state")}' is missing", refused.Message);

        SearchOutcome reference = CrashableSearch.Run(PipelineTestData.TestDataDirectory, Path.Combine(_root, "reference"), seed);
        SearchOutcome resumed = CrashableSearch.Run(PipelineTestData.TestDataDirectory, killed, seed);
        Assert.Equal(CrashableSearch.MaxTrials, resumed.TrainedCount);
        Assert.Equal(Rows(reference), Rows(resumed));
        // Each trial is logged once: the ones finished before the kill were read back, not trained again.
        Assert.Equal(CrashableSearch.MaxTrials, File.ReadAllLines(log).Length);

        // Had the kill struck while the third record was being written, half of it would be on disk: it is dropped and
        // that child trained again with the same architecture and seed, so the result is the uninterrupted one.
        string third = File.ReadAllLines(Path.Combine(_root, "reference", "trials.jsonl"))[2];
        File.AppendAllText(Path.Combine(torn, "trials.jsonl"), third[..(third.Length / 2)], Encoding.UTF8);
        Assert.Equal(Rows(reference), Rows(CrashableSearch.Run(PipelineTestData.TestDataDirectory, torn, seed)));
    }

    /// <summary>Runs the probe with <paramref name="arguments"/> and asserts it ended by SIGKILL (exit code 137), not by finishing.</summary>
    internal static async Task RunProbeUntilItKillsItself(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(ModelZipRoundTripTests.ProbePath());
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        // 137 = 128 + SIGKILL: the search was killed, not finished.
        Assert.True(process.ExitCode == 137, $"exit code {process.ExitCode}: {await stderr}");
    }

    private string Copy(string directory, string name)
    {
        string copy = Path.Combine(_root, name);
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(directory))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
