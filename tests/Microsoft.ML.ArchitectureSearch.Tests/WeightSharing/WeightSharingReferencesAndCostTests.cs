using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>
/// A weight-sharing search scores the reference architectures beside its final candidates (never training on them or
/// teaching the strategy with them), and multiplies rewards by a cost's factor when the objective has one (latency timed
/// once per architecture).
/// </summary>
public class WeightSharingReferencesAndCostTests
{
    private static readonly CnnSearchSpace Space = CrashableSearch.Space();

    /// <summary>Every step's last choice: a member of the space no random draw of this seed proposes.</summary>
    private static readonly IArchitecture Favourite = Space.Decode(Space.Steps.Select(s => s.ChoiceCount - 1).ToArray());

    private static readonly ReferenceArchitecture FavouriteReference = new("favourite", "scores best in this test", Favourite);

    private static WeightSharingRunOptions Options => new() { SharedEpochs = 2, ChildrenPerEpoch = 3, FinalCandidates = 2, Seed = 4 };

    private static (SearchOutcome Outcome, ScoresByHash Trainer, CountingStrategy Strategy) Run(WeightSharingRunOptions options, double favouriteScore)
    {
        var trainer = new ScoresByHash(Favourite.Hash, favouriteScore);
        var strategy = new CountingStrategy(new RandomStrategy(Space, seed: 4));
        using (strategy)
        using (trainer)
            return (new WeightSharingSearch(strategy, trainer, options).Run(CancellationToken.None), trainer, strategy);
    }

    [Fact]
    public void ReferencesAreScoredOnEveryValidationRowAfterTheFinalCandidatesAndWinWhenTheyScoreBest()
    {
        (SearchOutcome outcome, ScoresByHash trainer, CountingStrategy strategy) = Run(Options with { References = new[] { FavouriteReference } }, favouriteScore: 0.9);

        Assert.Equal(2 * 3 + 2 + 1, outcome.Trials.Count);
        TrialRecord reference = outcome.Trials[^1];
        Assert.Equal("favourite", reference.Reference);
        Assert.Equal(Favourite.Tokens, reference.Tokens);
        Assert.Equal(2, reference.Batch); // the final candidates' batch, after the last shared epoch
        Assert.Equal(outcome.Trials.Skip(6).Take(2).Select(t => t.Batch), new[] { 2, 2 });
        Assert.All(outcome.Trials.Take(8), t => Assert.Null(t.Reference));
        Assert.Same(reference, outcome.Best);
        // Scored on all rows like the finalists; never a sampled training child; the strategy learned from the six
        // children of the shared epochs only.
        Assert.Contains(Favourite.Hash, trainer.AllRowsScores);
        Assert.DoesNotContain(Favourite.Hash, trainer.TrainedChildren);
        Assert.Equal(6, strategy.LearnedFeedback.Count);
        Assert.DoesNotContain(strategy.LearnedFeedback, f => f.Tokens.SequenceEqual(Favourite.Tokens));
    }

    [Fact]
    public void AReferenceThatScoresWorseThanAFinalCandidateDoesNotWin()
    {
        SearchOutcome outcome = Run(Options with { References = new[] { FavouriteReference } }, favouriteScore: 0.001).Outcome;

        Assert.Equal("favourite", outcome.Trials[^1].Reference);
        Assert.NotNull(outcome.Best);
        Assert.Null(outcome.Best!.Reference);
    }

    [Fact]
    public void WithAParameterCostEveryScoredChildCarriesItsParameterCountAndTheMnasNetFactor()
    {
        var objective = new SearchObjective { Cost = ObjectiveCost.Parameters, Target = 20_000, ExponentBelowTarget = -0.07, ExponentAboveTarget = -0.5 };
        SearchOutcome outcome = Run(Options with { Objective = objective, References = new[] { FavouriteReference } }, favouriteScore: 0.9).Outcome;

        Assert.All(outcome.Trials, t =>
        {
            Assert.Equal(ObjectiveCost.Parameters, t.CostKind);
            Assert.Equal(t.ParameterCount, t.Cost);
            double expected = Math.Pow(t.ParameterCount / 20_000.0, t.ParameterCount <= 20_000 ? -0.07 : -0.5);
            Assert.Equal(expected, t.CostFactor, 12);
            Assert.Equal(t.Result.Reward * expected, t.Reward, 12);
        });
        Assert.Contains(outcome.Trials, t => t.CostFactor != 1);
    }

    [Fact]
    public void WithALatencyCostEveryArchitectureIsTimedOnceAndEveryScoredChildCarriesItsLatencyAndTheMnasNetFactor()
    {
        var objective = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 2, ExponentBelowTarget = -0.07, ExponentAboveTarget = -0.5 };
        // The favourite twice, under two names: one architecture scored twice.
        var again = new ReferenceArchitecture("favourite again", "the same architecture", Favourite);
        (SearchOutcome outcome, ScoresByHash trainer, _) = Run(Options with { Objective = objective, References = new[] { FavouriteReference, again } }, favouriteScore: 0.9);

        Assert.Equal(trainer.Timed.Distinct().Count(), trainer.Timed.Count); // never the same architecture twice
        Assert.Equal(outcome.Trials.Select(t => t.Hash).Distinct().OrderBy(h => h), trainer.Timed.OrderBy(h => h));
        Assert.True(outcome.Trials.Count > trainer.Timed.Count, "some architecture was scored more than once, and timed once");
        Assert.All(outcome.Trials, t =>
        {
            double latency = t.ParameterCount / 10_000.0;
            Assert.Equal(ObjectiveCost.Latency, t.CostKind);
            Assert.Equal(latency, t.Cost);
            Assert.Equal(Math.Pow(latency / 2, latency <= 2 ? -0.07 : -0.5), t.CostFactor, 12);
            Assert.Equal(t.Result.Reward * t.CostFactor, t.Reward, 12);
        });
    }

    [Fact]
    public void AResumedLatencySearchTakesTheLoggedLatenciesAndTimesNoLoggedArchitectureAgain()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nas-ws-latency-" + Guid.NewGuid().ToString("N"));
        try
        {
            WeightSharingRunOptions options = Options with
            {
                Objective = new SearchObjective { Cost = ObjectiveCost.Latency, Target = 2 },
                CheckpointDirectory = dir, DataFingerprint = "scores by hash",
            };
            (SearchOutcome first, ScoresByHash firstTrainer, _) = Run(options, favouriteScore: 0.9);
            (SearchOutcome resumed, ScoresByHash resumedTrainer, _) = Run(options, favouriteScore: 0.9);

            Assert.NotEmpty(firstTrainer.Timed);
            Assert.Equal(first.Trials.Count, resumed.Trials.Count);
            Assert.Empty(resumedTrainer.Timed); // every trial was logged, so every latency came from the log
            Assert.Equal(first.Trials.Select(t => t.Cost), resumed.Trials.Select(t => t.Cost));
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheReportNamesTheFinalCandidateTheSearchRetrainsNotAHigherMiniBatchScore()
    {
        var trainer = new ScoresByHash(Favourite.Hash, 0.001, miniBatchBonus: 0.5);
        using var strategy = new RandomStrategy(Space, seed: 4);
        SearchOutcome outcome = new WeightSharingSearch(strategy, trainer, Options).Run(CancellationToken.None);
        string directory = Path.Combine(Path.GetTempPath(), "nas-ws-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            SearchReportFiles files = SearchReport.Write(outcome.Trials, directory);

            TrialRecord winner = outcome.Best!;
            Assert.True(SharedWeightMetric.IsFinalCandidate(winner));
            Assert.True(outcome.Trials.Max(t => t.Reward) > winner.Reward, "a mini-batch score beats every final candidate here");
            Assert.Contains($"- Best: trial {winner.Index},", File.ReadAllText(files.Summary));
            Assert.Equal(winner.ArchitectureJson, File.ReadAllText(files.BestArchitectureJson!));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Scores a child by its first token / 100 (plus <c>miniBatchBonus</c> on a validation mini-batch), <c>favourite</c>
    /// by a set score; records what it saw.
    /// </summary>
    private sealed class ScoresByHash(string favourite, double favouriteScore, double miniBatchBonus = 0) : ISharedWeightTrainer
    {
        public HashSet<string> TrainedChildren { get; } = new();

        public HashSet<string> AllRowsScores { get; } = new();

        public double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken)
        {
            for (int i = 0; i < 5; i++)
                TrainedChildren.Add(sampleChild().Hash);
            return 1;
        }

        public TrialResult Score(IArchitecture child, bool allValidationRows)
        {
            if (allValidationRows)
                AllRowsScores.Add(child.Hash);
            double score = (child.Hash == favourite ? favouriteScore : (child.Tokens[0] + 1) / 100.0) + (allValidationRows ? 0 : miniBatchBonus);
            return new TrialResult { MetricName = SharedWeightMetric.Name("test score", allValidationRows), Reward = score, ValidationMetricPerEpoch = new[] { score }, ParameterCount = child.ParameterCount };
        }

        /// <summary>Every architecture timed, in order: a fake latency of 1 ms per 10,000 parameters.</summary>
        public List<string> Timed { get; } = new();

        public double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads)
        {
            Timed.Add(child.Hash);
            return child.ParameterCount / 10_000.0;
        }

        public void SaveState(Stream stream) { }

        public void LoadState(Stream stream) { }

        public void Dispose() { }
    }

    /// <summary>A strategy that records every feedback it learns from and otherwise is the one it wraps.</summary>
    private sealed class CountingStrategy(RandomStrategy inner) : ISearchStrategy, IChildSampler
    {
        public List<TrialFeedback> LearnedFeedback { get; } = new();

        public string Name => inner.Name;

        public ISearchSpace Space => inner.Space;

        public bool ProposalsDependOnResults => inner.ProposalsDependOnResults;

        public IReadOnlyList<IReadOnlyList<int>> Propose(int count) => inner.Propose(count);

        public void Learn(IReadOnlyList<TrialFeedback> feedback)
        {
            LearnedFeedback.AddRange(feedback);
            inner.Learn(feedback);
        }

        public void LearnFromReferences(IReadOnlyList<TrialFeedback> feedback)
        {
            LearnedFeedback.AddRange(feedback);
            inner.LearnFromReferences(feedback);
        }

        public IReadOnlyList<int> SampleChild() => inner.SampleChild();

        public void SaveState(Stream stream) => inner.SaveState(stream);

        public void LoadState(Stream stream) => inner.LoadState(stream);

        public void Dispose() => inner.Dispose();
    }
}
