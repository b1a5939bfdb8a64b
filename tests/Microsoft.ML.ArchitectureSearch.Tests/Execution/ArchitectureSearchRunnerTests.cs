using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

public class ArchitectureSearchRunnerTests
{
    private static SearchOutcome Run(int maxTrials, int seed = 7, string? checkpoint = null, FormulaTrainer? trainer = null,
        SearchBudget? budget = null, bool reuse = true, int parallelism = 1, CancellationToken token = default, IProgress<SearchProgress>? progress = null)
    {
        var space = new TinySpace();
        using var strategy = new DriftingStrategy(space, seed);
        var options = new SearchRunOptions
        {
            Budget = budget ?? new SearchBudget { MaxTrials = maxTrials },
            Seed = seed,
            TrialEpochs = 3,
            CheckpointDirectory = checkpoint,
            ReuseDuplicateResults = reuse,
            Parallelism = parallelism,
            Progress = progress,
            DataFingerprint = "data-v1",
        };
        return new ArchitectureSearchRunner(strategy, trainer ?? new FormulaTrainer(), options).Run(token);
    }

    [Fact]
    public void TrainsExactlyMaxTrialsChildrenAndPicksTheHighestReward()
    {
        SearchOutcome outcome = Run(12);
        Assert.Equal(SearchStopReason.MaxTrialsReached, outcome.StopReason);
        Assert.Equal(12, outcome.TrainedCount);
        Assert.Equal(Enumerable.Range(0, outcome.Trials.Count), outcome.Trials.Select(t => t.Index));
        double bestReward = outcome.Trials.Where(t => t.Kind == TrialKind.Trained).Max(t => t.Reward);
        Assert.Equal(bestReward, outcome.Best!.Reward);
    }

    [Fact]
    public void DuplicateArchitecturesReuseTheEarlierResultWithoutTraining()
    {
        var trainer = new FormulaTrainer();
        // 3^4 = 81 architectures; 60 trained children from a drifting generator meet repeats.
        SearchOutcome outcome = Run(60, trainer: trainer);
        var reused = outcome.Trials.Where(t => t.Kind == TrialKind.Reused).ToList();
        Assert.NotEmpty(reused);
        Assert.Equal(60, trainer.Trained);
        foreach (TrialRecord r in reused)
        {
            TrialRecord original = outcome.Trials.First(t => t.Kind == TrialKind.Trained && t.Hash == r.Hash);
            Assert.True(original.Index < r.Index);
            Assert.Equal(original.Reward, r.Reward);
        }
        Assert.Equal(60, outcome.Trials.Where(t => t.Kind == TrialKind.Trained).Select(t => t.Hash).Distinct().Count());
    }

    [Fact]
    public void OversizeChildrenAreRejectedBeforeTraining()
    {
        var trainer = new FormulaTrainer();
        // ParameterCount = 100 + 10 * tokenSum: a cap of 120 admits token sums up to 2 of at most 8.
        SearchOutcome outcome = Run(5, trainer: trainer, budget: new SearchBudget { MaxTrials = 5, MaxParameters = 120 });
        var rejected = outcome.Trials.Where(t => t.Kind == TrialKind.Rejected).ToList();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.Contains("MaxParameters", r.Result.FailureReason));
        Assert.All(outcome.Trials.Where(t => t.Kind == TrialKind.Trained), t => Assert.True(t.ParameterCount <= 120));
        Assert.Equal(5, trainer.Trained);
    }

    [Fact]
    public void ProposalCapEndsASearchWhoseProposalsCannotBeTrained()
    {
        SearchOutcome outcome = Run(5, budget: new SearchBudget { MaxTrials = 5, MaxParameters = 1, MaxProposals = 30 });
        Assert.Equal(SearchStopReason.ProposalCapReached, outcome.StopReason);
        Assert.Equal(30, outcome.Trials.Count);
        Assert.Null(outcome.Best);
    }

    [Fact]
    public void SameSeedGivesTheSameSearch()
    {
        SearchOutcome a = Run(15, seed: 3), b = Run(15, seed: 3), c = Run(15, seed: 4);
        Assert.Equal(a.Trials.Select(t => (t.Hash, t.Reward, t.Seed)), b.Trials.Select(t => (t.Hash, t.Reward, t.Seed)));
        Assert.NotEqual(a.Trials.Select(t => t.Hash), c.Trials.Select(t => t.Hash));
    }

    [Fact]
    public void CancellationStopsAndKeepsFinishedTrials()
    {
        using var cts = new CancellationTokenSource();
        var trainer = new FormulaTrainer { OnTrain = call => { if (call == 4) cts.Cancel(); } };
        SearchOutcome outcome = Run(20, trainer: trainer, token: cts.Token);
        Assert.Equal(SearchStopReason.Cancelled, outcome.StopReason);
        Assert.Equal(3, outcome.TrainedCount); // the 4th was in flight when cancelled
    }

    [Fact]
    public void ProgressReportsEveryTrialWithBestSoFar()
    {
        var reports = new List<SearchProgress>();
        Run(6, progress: new SyncProgress<SearchProgress>(reports.Add));
        Assert.Equal(6, reports.Count(r => r.Trial.Kind == TrialKind.Trained));
        for (int i = 1; i < reports.Count; i++)
            Assert.True((reports[i].Best?.Reward ?? 0) >= (reports[i - 1].Best?.Reward ?? 0));
        Assert.NotNull(reports[^1].EstimatedRemaining);
        Assert.Equal(6, reports[^1].TrainedTrials);
    }

    [Fact]
    public void ParallelTrialsTrainEveryChildOnce()
    {
        var trainer = new FormulaTrainer();
        SearchOutcome outcome = Run(10, trainer: trainer, parallelism: 2, reuse: false);
        Assert.Equal(10, outcome.TrainedCount);
        Assert.Equal(10, trainer.Trained);
        Assert.Equal(Enumerable.Range(0, 10), outcome.Trials.Select(t => t.Index));
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
