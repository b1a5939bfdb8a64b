using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>Why a weight-sharing search stopped survives a resume from its checkpoint.</summary>
public class WeightSharingStopReasonTests
{
    [Fact]
    public void SearchStoppedByMaxSearchTimeReportsThatReasonAgainWhenResumedFromItsCheckpoint()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nas-ws-stop-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new WeightSharingRunOptions
            {
                SharedEpochs = 3, ChildrenPerEpoch = 2, FinalCandidates = 2, Seed = 4,
                MaxSearchTime = TimeSpan.FromTicks(1), CheckpointDirectory = dir, DataFingerprint = "constant scores",
            };
            SearchOutcome Run()
            {
                using var strategy = new RandomStrategy(CrashableSearch.Space(), seed: 4);
                return new WeightSharingSearch(strategy, new ConstantScores(), options).Run(CancellationToken.None);
            }

            SearchOutcome first = Run();
            SearchOutcome resumed = Run();

            Assert.Equal(SearchStopReason.MaxSearchTimeReached, first.StopReason);
            Assert.Equal(SearchStopReason.MaxSearchTimeReached, resumed.StopReason);
            Assert.Equal(first.Best!.Tokens, resumed.Best!.Tokens);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Shared weights that never train and score every child by its first token (no state to save).</summary>
    private sealed class ConstantScores : ISharedWeightTrainer
    {
        public double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken) => 0;

        public TrialResult Score(IArchitecture child, bool allValidationRows) =>
            new() { MetricName = "first token", Reward = child.Tokens[0], ValidationMetricPerEpoch = new double[] { child.Tokens[0] } };

        public double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads) => throw new NotSupportedException("This test times nothing.");

        public void SaveState(Stream stream) { }

        public void LoadState(Stream stream) { }

        public void Dispose() { }
    }
}
