using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>The search loop with reference architectures trained first (ArchitectureSearchOptions.InitialArchitectures).</summary>
public sealed class InitialArchitectureTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nas-initial-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static ReferenceArchitecture[] References(ISearchSpace space, params int[][] tokens) =>
        tokens.Select((t, i) => new ReferenceArchitecture($"ref{i}", "test reference", space.Decode(t))).ToArray();

    private static SearchOutcome Run(ISearchStrategy strategy, IChildTrainer trainer, int maxTrials, IReadOnlyList<ReferenceArchitecture> references,
        string? checkpoint = null, int parallelism = 1, bool reuse = true) =>
        new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = maxTrials },
            Seed = 5,
            TrialEpochs = 2,
            InitialArchitectures = references,
            CheckpointDirectory = checkpoint,
            Parallelism = parallelism,
            ReuseDuplicateResults = reuse,
            DataFingerprint = "data",
        }).Run();

    /// <summary>Reward = mean token / 2, whatever the seed, so that shifting trial indices does not change rewards.</summary>
    private sealed class TokenRewardTrainer : IChildTrainer
    {
        public bool LowerMetricIsBetter => false;

        public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
        {
            double reward = architecture.Tokens.Average() / 2;
            return new TrainedChild(new TrialResult { MetricName = "accuracy", Reward = reward, ValidationMetricPerEpoch = new[] { reward }, EpochsCompleted = 1 }, null);
        }

        public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads) => throw new NotSupportedException("these tests optimise the reward alone");
    }

    [Fact]
    public void ReferencesAreTheFirstTrialsMarkedByNameAndReachTheStrategyOnceBeforeItsProposals()
    {
        var space = new TinySpace();
        using var strategy = new DriftingStrategy(space, 3);
        SearchOutcome outcome = Run(strategy, new FormulaTrainer(), maxTrials: 6, References(space, new[] { 0, 0, 0, 0 }, new[] { 2, 2, 2, 2 }));

        Assert.Equal(new[] { "ref0", "ref1" }, outcome.Trials.Take(2).Select(t => t.Reference));
        Assert.All(outcome.Trials.Take(2), t => Assert.Equal((TrialKind.Trained, 0), (t.Kind, t.Batch)));
        Assert.Equal(new[] { 2, 2, 2, 2 }, outcome.Trials[1].Tokens);
        Assert.All(outcome.Trials.Skip(2), t => Assert.Null(t.Reference));
        Assert.Equal(6, outcome.TrainedCount); // the references count toward MaxTrials
        var call = Assert.Single(strategy.ReferenceCalls);
        Assert.Equal(new[] { outcome.Trials[0].Reward, outcome.Trials[1].Reward }, call.Select(f => f.Reward));
        Assert.Equal(4, strategy.LearnCalls); // one Learn per strategy batch only
        // The all-twos reference is the best architecture of this tiny space: the search returns it.
        Assert.Equal("ref1", outcome.Best!.Reference);
    }

    [Fact]
    public void ReferencesDoNotEnterReinforcesGradientOrBaseline()
    {
        var space = new TinySpace();
        var options = new ReinforceOptions { ChildrenPerUpdate = 2 };
        using var without = new ReinforceStrategy(space, 9, options);
        using var with = new ReinforceStrategy(space, 9, options);
        // Every proposal trains (no reuse), so a controller proposal equal to a reference does not shift the trial count.
        SearchOutcome plain = Run(without, new TokenRewardTrainer(), maxTrials: 6, Array.Empty<ReferenceArchitecture>(), reuse: false);
        SearchOutcome seeded = Run(with, new TokenRewardTrainer(), maxTrials: 8, References(space, new[] { 2, 2, 2, 2 }, new[] { 0, 1, 2, 0 }), reuse: false);

        // The controller proposed, learned and updated exactly as without the references.
        Assert.Equal(plain.Trials.Select(t => string.Join(",", t.Tokens)), seeded.Trials.Skip(2).Select(t => string.Join(",", t.Tokens)));
        Assert.Equal(3, with.Updates);
        Assert.Equal(without.Updates, with.Updates);
        Assert.Equal(without.Baseline, with.Baseline);
        foreach (int[] tokens in new[] { new[] { 2, 2, 2, 2 }, new[] { 0, 1, 2, 0 }, new[] { 1, 1, 1, 1 } })
            Assert.Equal(without.LogProbability(tokens), with.LogProbability(tokens));
    }

    [Fact]
    public void EvolutionSeedsItsPopulationWithTheReferencesAndFillsOnlyTheRestRandomly()
    {
        var space = new TinySpace(steps: 12, choices: 5);
        using var evolution = new EvolutionStrategy(space, 4, new EvolutionOptions { PopulationSize = 4, SampleSize = 2 });
        int[] a = Enumerable.Repeat(4, 12).ToArray(), b = Enumerable.Repeat(3, 12).ToArray();
        SearchOutcome outcome = Run(evolution, new TokenRewardTrainer(), maxTrials: 5, References(space, a, b));

        // Aging: the first reference has died, the second is the oldest member, then the three proposals.
        Assert.Equal(outcome.Trials.Skip(1).Select(t => string.Join(",", t.Tokens)), evolution.Population.Select(p => string.Join(",", p.Tokens)));
        Assert.Equal(b, evolution.Population[0].Tokens);
        // Two references and two random proposals fill the population of 4; the fifth trial is already a mutation: one
        // decision away from a member (a random draw of 12 decisions of 5 choices almost never is).
        int[] fifth = outcome.Trials[4].Tokens.ToArray();
        Assert.Contains(outcome.Trials.Take(4), member => member.Tokens.Zip(fifth, (x, y) => x != y).Count(d => d) == 1);
    }

    [Fact]
    public void ACrashWhileTrainingTheReferencesOrAfterThemResumesLikeAnUninterruptedRun()
    {
        var space = new TinySpace();
        ReferenceArchitecture[] references = References(space, new[] { 0, 0, 0, 0 }, new[] { 2, 2, 2, 2 }, new[] { 1, 0, 1, 0 });
        SearchOutcome uninterrupted;
        using (var s = new DriftingStrategy(space, 3))
            uninterrupted = Run(s, new FormulaTrainer(), 8, references);

        foreach (int crashOnCall in new[] { 2, 5 })
        {
            string dir = Path.Combine(_dir, crashOnCall.ToString());
            using (var s = new DriftingStrategy(space, 3))
                Assert.Throws<IOException>(() => Run(s, new FormulaTrainer { CrashOnCall = crashOnCall }, 8, references, dir));
            var trainer = new FormulaTrainer();
            SearchOutcome resumed;
            using (var s = new DriftingStrategy(space, 3))
                resumed = Run(s, trainer, 8, references, dir);
            Assert.Equal(uninterrupted.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Reference)), resumed.Trials.Select(t => (t.Index, t.Hash, t.Reward, t.Reference)));
            Assert.Equal(8 - (crashOnCall - 1), trainer.Trained); // the children finished before the crash are not retrained
        }
    }

    [Fact]
    public void ResumingWithOtherReferencesIsAClearError()
    {
        var space = new TinySpace();
        using (var s = new DriftingStrategy(space, 3))
            Run(s, new FormulaTrainer(), 4, References(space, new[] { 0, 0, 0, 0 }), _dir);
        using var other = new DriftingStrategy(space, 3);
        var e = Assert.Throws<InvalidOperationException>(() => Run(other, new FormulaTrainer(), 4, References(space, new[] { 1, 1, 1, 1 }), _dir));
        Assert.Contains("InitialArchitectures", e.Message);
    }

    [Fact]
    public void ReferencesBeyondMaxTrialsAreNotTrainedAndParallelTrialsTrainThemInBatchesOfParallelism()
    {
        var space = new TinySpace();
        ReferenceArchitecture[] references = References(space, new[] { 0, 0, 0, 0 }, new[] { 2, 2, 2, 2 }, new[] { 1, 0, 1, 0 });
        using (var s = new DriftingStrategy(space, 3))
        {
            SearchOutcome outcome = Run(s, new FormulaTrainer(), 2, references);
            Assert.Equal(new[] { "ref0", "ref1" }, outcome.Trials.Select(t => t.Reference));
        }
        using (var s = new DriftingStrategy(space, 3))
        {
            SearchOutcome outcome = Run(s, new FormulaTrainer(), 5, references, parallelism: 2);
            Assert.Equal(new[] { "ref0", "ref1", "ref2" }, outcome.Trials.Take(3).Select(t => t.Reference));
            Assert.Equal(5, outcome.TrainedCount);
        }
    }
}
