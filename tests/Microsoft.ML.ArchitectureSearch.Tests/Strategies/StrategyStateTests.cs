using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

public class StrategyStateTests
{
    public static TheoryData<SearchStrategy> Kinds => new() { SearchStrategy.Reinforce, SearchStrategy.Random, SearchStrategy.Evolution };

    private static ISearchStrategy Create(SearchStrategy kind, ISearchSpace space, int seed) => SearchStrategies.Create(kind, space, seed,
        new ReinforceOptions { ChildrenPerUpdate = 3, LearningRate = 0.01, ProgressiveDepth = new ProgressiveDepth(2, 10) },
        new EvolutionOptions { PopulationSize = 8, SampleSize = 3 });

    /// <summary>Proposes and learns in batches of 2; returns every proposal.</summary>
    private static List<int[]> Drive(ISearchStrategy s, int[] target, int batches)
    {
        var all = new List<int[]>();
        for (int b = 0; b < batches; b++)
        {
            var proposed = s.Propose(2);
            all.AddRange(proposed.Select(p => p.ToArray()));
            s.Learn(proposed.Select(t => new TrialFeedback(t, TargetMatching.Reward(t, target))).ToArray());
        }
        return all;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SaveAndRestoreContinuesTheExactProposalSequence(SearchStrategy kind)
    {
        var space = new LayeredSpace();
        int[] target = TargetMatching.Target(space, 9);
        using ISearchStrategy uninterrupted = Create(kind, space, 42);
        Drive(uninterrupted, target, 7); // 14 proposals: mid-way through a controller batch of 3 and a depth stage
        var expected = Drive(uninterrupted, target, 10);

        using ISearchStrategy first = Create(kind, space, 42);
        Drive(first, target, 7);
        using var saved = new MemoryStream();
        first.SaveState(saved);

        using ISearchStrategy resumed = Create(kind, space, 1234); // a different seed: everything must come from the state
        saved.Position = 0;
        resumed.LoadState(saved);
        var actual = Drive(resumed, target, 10);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DamagedOrForeignStatesAreRejectedWithAClearError(SearchStrategy kind)
    {
        var space = new LayeredSpace();
        using ISearchStrategy s = Create(kind, space, 1);
        Drive(s, TargetMatching.Target(space, 1), 3);
        using var saved = new MemoryStream();
        s.SaveState(saved);
        byte[] bytes = saved.ToArray();

        using ISearchStrategy fresh = Create(kind, space, 1);
        var truncated = Assert.Throws<InvalidDataException>(() => fresh.LoadState(new MemoryStream(bytes[..(bytes.Length - 3)])));
        Assert.Contains("truncated", truncated.Message);
        Assert.Throws<InvalidDataException>(() => fresh.LoadState(new MemoryStream(new byte[] { 1, 2, 3 })));

        using ISearchStrategy otherSpace = Create(kind, new LayeredSpace(layers: 3), 1);
        var foreign = Assert.Throws<InvalidDataException>(() => otherSpace.LoadState(new MemoryStream(bytes)));
        Assert.Contains("another search space", foreign.Message);

        SearchStrategy other = kind == SearchStrategy.Random ? SearchStrategy.Evolution : SearchStrategy.Random;
        using ISearchStrategy otherKind = Create(other, space, 1);
        var wrongKind = Assert.Throws<InvalidDataException>(() => otherKind.LoadState(new MemoryStream(bytes)));
        Assert.Contains("belongs to strategy", wrongKind.Message);
    }

    [Fact]
    public void ControllerSamplesValidTokensOnSkipAndChoiceOnlySpaces()
    {
        foreach (ISearchSpace space in new ISearchSpace[] { new LayeredSpace(layers: 5), new TinySpace(steps: 7, choices: 5) })
        {
            using var s = new ReinforceStrategy(space, 3);
            var proposals = s.Propose(40);
            foreach (var p in proposals)
                for (int i = 0; i < space.Steps.Count; i++)
                    Assert.InRange(p[i], 0, space.Steps[i].ChoiceCount - 1);
            // Every step varies across 40 samples: the untrained policy is close to uniform, never deterministic.
            for (int i = 0; i < space.Steps.Count; i++)
                Assert.True(proposals.Select(p => p[i]).Distinct().Count() > 1, $"{space.Name} step {space.Steps[i].Name} never varied");
            double logp = s.LogProbability(proposals[0]);
            Assert.True(logp < 0 && double.IsFinite(logp));
        }
    }

    [Fact]
    public void AnUntrainedControllerIsNearUniform()
    {
        // Weights in [-0.08, 0.08] give near-zero logits: log p of any sequence is close to the uniform log p.
        var space = new LayeredSpace();
        using var s = new ReinforceStrategy(space, 5);
        double uniform = space.Steps.Sum(st => -Math.Log(st.ChoiceCount));
        double logp = s.LogProbability(TargetMatching.Target(space, 3));
        Assert.InRange(logp, uniform - 1.5, uniform + 1.5);
    }

    [Fact]
    public void ProgressiveDepthKeepsLaterLayersAtTheirDefaultUntilSwitchedOn()
    {
        var space = new LayeredSpace(layers: 4);
        using var s = new ReinforceStrategy(space, 2, new ReinforceOptions { ProgressiveDepth = new ProgressiveDepth(InitialLayers: 2, ProposalsPerLayer: 10) });
        var early = s.Propose(10);
        foreach (var p in early)
            for (int i = 0; i < space.Steps.Count; i++)
                if (space.Steps[i].Layer >= 2) Assert.Equal(0, p[i]);
        var later = s.Propose(10); // 10 proposed so far: three layers active
        Assert.Contains(later, p => Enumerable.Range(0, space.Steps.Count).Any(i => space.Steps[i].Layer == 2 && p[i] != 0));
        Assert.All(later, p => Assert.All(Enumerable.Range(0, space.Steps.Count).Where(i => space.Steps[i].Layer == 3), i => Assert.Equal(0, p[i])));
    }

    [Fact]
    public void EvolutionMutatesExactlyOneDecisionOfAPopulationMember()
    {
        var space = new LayeredSpace();
        using var s = new EvolutionStrategy(space, 4, new EvolutionOptions { PopulationSize = 6, SampleSize = 2 });
        int[] target = TargetMatching.Target(space, 4);
        Drive(s, target, 3); // 6 random members
        var population = s.Population.Select(p => p.Tokens.ToArray()).ToList();
        foreach (var child in s.Propose(10))
            Assert.Contains(population, parent => parent.Zip(child, (a, b) => a != b).Count(d => d) == 1);
    }

    [Fact]
    public void AReinforceSearchResumedFromACheckpointEqualsAnUninterruptedOne()
    {
        var space = new TinySpace(steps: 6, choices: 4);
        string dir = Path.Combine(Path.GetTempPath(), "nas-rf-" + Guid.NewGuid().ToString("N"));
        string refDir = dir + "-ref";
        try
        {
            SearchOutcome Run(string d, FormulaTrainer trainer)
            {
                using var strategy = new ReinforceStrategy(space, 8, new ReinforceOptions { ChildrenPerUpdate = 3, LearningRate = 0.01 });
                return new ArchitectureSearchRunner(strategy, trainer, new SearchRunOptions
                { Budget = new SearchBudget { MaxTrials = 20 }, Seed = 8, TrialEpochs = 2, CheckpointDirectory = d, Parallelism = 2, ReuseDuplicateResults = false }).Run();
            }
            SearchOutcome reference = Run(refDir, new FormulaTrainer());
            Assert.Throws<IOException>(() => Run(dir, new FormulaTrainer { CrashOnCall = 11 }));
            SearchOutcome resumed = Run(dir, new FormulaTrainer());
            Assert.Equal(reference.Trials.Select(t => (t.Hash, t.Reward)), resumed.Trials.Select(t => (t.Hash, t.Reward)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            if (Directory.Exists(refDir)) Directory.Delete(refDir, true);
        }
    }
}
