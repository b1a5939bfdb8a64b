using System.Collections.Concurrent;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;
using static Microsoft.ML.ArchitectureSearch.Tests.Execution.ArchitectureSearchRunnerTests;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>
/// A strategy whose proposals do not depend on results (Random) has its children trained by a pool of Parallelism
/// slots, each child starting as soon as one finishes; one whose proposals do (Reinforce, Evolution) keeps the batch
/// barrier. Either way the search's trials, rewards and winner do not depend on how long each child takes.
/// </summary>
public sealed class BarrierFreeDispatchTests : IDisposable
{
    private const int Seed = 5;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nas-pool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static SearchOutcome Search(ISearchStrategy strategy, IChildTrainer trainer, int parallelism, SearchBudget budget,
        string? checkpoint = null, bool reuse = true, CancellationToken token = default, IProgress<SearchProgress>? progress = null) =>
        new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = budget,
            Seed = Seed,
            TrialEpochs = 2,
            Parallelism = parallelism,
            ThreadsPerChild = 1,
            ReuseDuplicateResults = reuse,
            CheckpointDirectory = checkpoint,
            DataFingerprint = "data-v1",
            Progress = progress,
        }).Run(token);

    private static SearchOutcome RandomSearch(IChildTrainer trainer, int parallelism, SearchBudget budget, TinySpace? space = null,
        string? checkpoint = null, bool reuse = true, CancellationToken token = default, IProgress<SearchProgress>? progress = null)
    {
        using var strategy = new RandomStrategy(space ?? new TinySpace(), Seed);
        return Search(strategy, trainer, parallelism, budget, checkpoint, reuse, token, progress);
    }

    private static IEnumerable<(int, string, double, TrialKind, int)> Rows(SearchOutcome o) =>
        o.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Kind, t.Seed));

    /// <summary>A trainer whose trial 0 waits up to <paramref name="wait"/> for trial 2 to start; the result says whether it did.</summary>
    private static (IndexedTrainer Trainer, Func<bool> FirstSawThird) FirstChildWaitsForTheThird(TimeSpan wait)
    {
        var thirdStarted = new ManualResetEventSlim();
        bool seen = false;
        var trainer = new IndexedTrainer(Seed)
        {
            BeforeTrain = index =>
            {
                if (index == 2) thirdStarted.Set();
                if (index == 0) seen = thirdStarted.Wait(wait);
            },
        };
        return (trainer, () => seen);
    }

    [Fact]
    public void ARandomSearchStartsTheNextChildWhileTheSlowerChildOfTheFirstPairStillTrains()
    {
        (IndexedTrainer trainer, Func<bool> firstSawThird) = FirstChildWaitsForTheThird(TimeSpan.FromSeconds(20));
        SearchOutcome outcome = RandomSearch(trainer, parallelism: 2, new SearchBudget { MaxTrials = 6 }, reuse: false);
        Assert.True(firstSawThird(), "trial 2 did not start while trial 0 trained: the pool waited for the whole pair");
        Assert.Equal(Enumerable.Range(0, 6), outcome.Trials.Select(t => t.Index));
    }

    [Fact]
    public void AStrategyWhoseProposalsDependOnResultsStillWaitsForItsWholeBatch()
    {
        (IndexedTrainer trainer, Func<bool> firstSawThird) = FirstChildWaitsForTheThird(TimeSpan.FromMilliseconds(500));
        using var strategy = new DriftingStrategy(new TinySpace(), Seed);
        SearchOutcome outcome = Search(strategy, trainer, parallelism: 2, new SearchBudget { MaxTrials = 4 }, reuse: false);
        Assert.False(firstSawThird(), "trial 2 started before its predecessor batch was learned from");
        Assert.Equal(2, strategy.LearnCalls);
        Assert.Equal(4, outcome.TrainedCount);
    }

    [Fact]
    public void ARandomSearchAtParallelismTwoOrThreeEqualsParallelismOneWhenChildrenFinishOutOfOrder()
    {
        // 81 architectures, 30 trained: duplicates occur, inside batches and across them.
        var budget = new SearchBudget { MaxTrials = 30 };
        var one = new IndexedTrainer(Seed);
        SearchOutcome alone = RandomSearch(one, 1, budget);
        var two = new IndexedTrainer(Seed) { Milliseconds = index => index * 7 % 5 * 4 };
        SearchOutcome pairs = RandomSearch(two, 2, budget);
        var three = new IndexedTrainer(Seed) { Milliseconds = index => (3 - index % 4) * 5 };
        SearchOutcome triples = RandomSearch(three, 3, budget);

        Assert.Contains(alone.Trials, t => t.Kind == TrialKind.Reused);
        Assert.Equal(Rows(alone), Rows(pairs));
        Assert.Equal(Rows(alone), Rows(triples));
        Assert.Equal(alone.Best!.Index, pairs.Best!.Index);
        Assert.Equal(alone.Best.Index, triples.Best!.Index);
        Assert.Equal(30, one.Inner.Trained);
        Assert.Equal(30, two.Inner.Trained);
        Assert.Equal(30, three.Inner.Trained);
    }

    [Fact]
    public void ADuplicateInsideABatchWaitsForItsFirstCopyInsteadOfTrainingAgain()
    {
        // Four architectures: most proposals repeat one whose first copy is still training (each takes 30 ms).
        var trainer = new IndexedTrainer(Seed) { Milliseconds = _ => 30 };
        SearchOutcome outcome = RandomSearch(trainer, 2, new SearchBudget { MaxTrials = 4 }, new TinySpace(steps: 2, choices: 2));
        var reused = outcome.Trials.Where(t => t.Kind == TrialKind.Reused).ToList();
        Assert.NotEmpty(reused);
        Assert.Equal(4, trainer.Inner.Trained);
        foreach (TrialRecord copy in reused)
        {
            TrialRecord original = outcome.Trials.Single(t => t.Kind == TrialKind.Trained && t.Hash == copy.Hash);
            Assert.True(original.Index < copy.Index);
            Assert.Equal(original.Reward, copy.Reward);
        }
    }

    [Fact]
    public void CancellationStartsNoFurtherChildAndAResumeEqualsTheUninterruptedSearch()
    {
        var budget = new SearchBudget { MaxTrials = 20 };
        SearchOutcome uninterrupted = RandomSearch(new IndexedTrainer(Seed), 1, budget);

        using var cts = new CancellationTokenSource();
        var interrupted = new IndexedTrainer(Seed) { Milliseconds = index => index % 3 * 5, BeforeTrain = index => { if (index == 7) cts.Cancel(); } };
        SearchOutcome first = RandomSearch(interrupted, 2, budget, checkpoint: _dir, token: cts.Token);
        Assert.Equal(SearchStopReason.Cancelled, first.StopReason);
        Assert.DoesNotContain(interrupted.Starts, s => s.Cancelled); // none started after the cancel
        int logged = File.ReadAllLines(Path.Combine(_dir, "trials.jsonl")).Length;
        Assert.Equal(first.Trials.Count, logged);

        var resumedTrainer = new IndexedTrainer(Seed);
        SearchOutcome resumed = RandomSearch(resumedTrainer, 2, budget, checkpoint: _dir);
        Assert.Equal(Rows(uninterrupted), Rows(resumed));
        Assert.Equal(20 - first.Trials.Count(t => t.Kind == TrialKind.Trained), resumedTrainer.Inner.Trained);
    }

    [Fact]
    public void MaxSearchTimeStartsNoFurtherChildRecordsNoneItDidNotStartAndAResumeEqualsTheUninterruptedSearch()
    {
        SearchOutcome uninterrupted = RandomSearch(new IndexedTrainer(Seed), 1, new SearchBudget { MaxTrials = 40 });

        // 40 children of 40 ms on two slots take 0.8 s: the 0.3 s limit stops the search inside its first batches.
        var timed = new IndexedTrainer(Seed) { Milliseconds = _ => 40 };
        SearchOutcome first = RandomSearch(timed, 2, new SearchBudget { MaxTrials = 40, MaxSearchTime = TimeSpan.FromMilliseconds(300) }, checkpoint: _dir);
        Assert.Equal(SearchStopReason.MaxSearchTimeReached, first.StopReason);
        Assert.InRange(first.TrainedCount, 1, 39);
        Assert.Equal(Enumerable.Range(0, first.Trials.Count), first.Trials.Select(t => t.Index)); // no gap, nothing past the stop
        Assert.Equal(first.Trials.Count, File.ReadAllLines(Path.Combine(_dir, "trials.jsonl")).Length);
        Assert.Equal(first.TrainedCount, timed.Inner.Trained);

        var resumedTrainer = new IndexedTrainer(Seed);
        SearchOutcome resumed = RandomSearch(resumedTrainer, 2, new SearchBudget { MaxTrials = 40 }, checkpoint: _dir);
        Assert.Equal(Rows(uninterrupted), Rows(resumed));
        Assert.Equal(40 - first.TrainedCount, resumedTrainer.Inner.Trained);
    }

    [Fact]
    public void ProgressIsReportedInTrialIndexOrderWhenLaterChildrenFinishFirst()
    {
        var reports = new List<SearchProgress>();
        // Each child of a batch takes less time than the one before it: they finish in reverse order.
        var trainer = new IndexedTrainer(Seed) { Milliseconds = index => (16 - index % 16) * 3 };
        SearchOutcome outcome = RandomSearch(trainer, 3, new SearchBudget { MaxTrials = 12 }, reuse: false,
            progress: new SyncProgress<SearchProgress>(reports.Add));
        Assert.Equal(outcome.Trials.Select(t => t.Index), reports.Select(r => r.Trial.Index));
        Assert.Equal(Enumerable.Range(1, 12), reports.Select(r => r.TrainedTrials));
    }

    /// <summary>
    /// A <see cref="FormulaTrainer"/> that knows each child's trial index (from its seed), can take a set time per
    /// index (so children finish out of order) and runs a hook before training; it records every start.
    /// </summary>
    private sealed class IndexedTrainer(int searchSeed) : IChildTrainer
    {
        private readonly Dictionary<int, int> _indexOfSeed = Enumerable.Range(0, 1000).ToDictionary(i => TrialSeeds.ForTrial(searchSeed, i));

        public FormulaTrainer Inner { get; } = new();
        public Func<int, int> Milliseconds { get; init; } = _ => 0;
        public Action<int>? BeforeTrain { get; init; }
        public ConcurrentQueue<(int Index, bool Cancelled)> Starts { get; } = new();

        public bool LowerMetricIsBetter => Inner.LowerMetricIsBetter;

        public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
        {
            int index = _indexOfSeed[settings.Seed];
            Starts.Enqueue((index, cancellationToken.IsCancellationRequested));
            BeforeTrain?.Invoke(index);
            Thread.Sleep(Milliseconds(index));
            return Inner.Train(architecture, settings, cancellationToken);
        }

        public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads) => Inner.MeasureLatencyMilliseconds(child, runs, threads);
    }
}
