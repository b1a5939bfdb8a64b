using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Reporting;

/// <summary>One real checkpointed weight-sharing search (testdata CIFAR-10), shared by the report tests.</summary>
public sealed class SharedSearchRun : IDisposable
{
    public SharedSearchRun()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("nas-shared-report-").FullName;
        Checkpoint = Path.Combine(Directory, "checkpoint");
        Run = CrashableSearch.RunWithSharedWeights(PipelineTestData.TestDataDirectory, Checkpoint, seed: 6);
    }

    public string Directory { get; }

    public string Checkpoint { get; }

    internal CrashableSearch.SharedRun Run { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>A weight-sharing search's report: the controller and training-loss charts, the per-epoch table, the derived children.</summary>
public sealed class WeightSharingReportTests(SharedSearchRun search) : IClassFixture<SharedSearchRun>
{
    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    [Fact]
    public void CheckpointReportDrawsRewardEntropyAndLossPerEpochAndListsTheDerivedChildrenWithTheirSharedWeightAccuracy()
    {
        SearchReportFiles files = SearchReport.FromCheckpoint(search.Checkpoint, Path.Combine(search.Directory, "from-checkpoint"));

        SearchReportTests.AssertPng(files.ControllerChart!, 900, 540);
        SearchReportTests.AssertPng(files.SharedTrainingLossChart!, 900, 540);
        string summary = File.ReadAllText(files.Summary);
        CrashableSearch.SharedRun run = search.Run;
        Assert.Equal(CrashableSearch.SharedEpochs, run.TrainingLoss.Length);
        for (int e = 0; e < CrashableSearch.SharedEpochs; e++)
            Assert.Contains($"| {e + 1} | {Number(run.TrainingLoss[e])} | {Number(run.MeanReward[e])} | {Number(run.Entropy[e])} |", summary);
        TrialRecord[] derived = run.Outcome.Trials.Skip(CrashableSearch.SharedEpochs * CrashableSearch.ChildrenPerEpoch).ToArray();
        Assert.Equal(CrashableSearch.FinalCandidates, derived.Length);
        Assert.Contains($"Derived children (the final sample and the reference architectures, each scored on every validation row; the best is retrained): {derived.Length}", summary);
        foreach (TrialRecord t in derived)
            Assert.Contains($"| {t.Index} | {t.Reference} | {Number(t.Result.ValidationMetricPerEpoch[0])} | {Number(t.Reward)} |", summary);
    }

    [Fact]
    public void ReportFromTheTrialsAloneDerivesTheMeanRewardPerEpochAndHasNoLossChart()
    {
        SearchReportFiles files = SearchReport.Write(search.Run.Outcome.Trials, Path.Combine(search.Directory, "from-trials"));

        Assert.NotNull(files.ControllerChart);
        Assert.Null(files.SharedTrainingLossChart);
        string summary = File.ReadAllText(files.Summary);
        for (int e = 0; e < CrashableSearch.SharedEpochs; e++)
            Assert.Contains($"| {e + 1} |  | {Number(search.Run.MeanReward[e])} |  |", summary);
    }
}
