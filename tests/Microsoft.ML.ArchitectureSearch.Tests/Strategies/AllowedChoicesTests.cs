using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

/// <summary>
/// Strategies sample only what the space allows (ISearchSpace.AllowedChoices): the recurrent-cell space refuses a
/// memory node equal to the inject node, and no strategy may waste a proposal on one.
/// </summary>
public class AllowedChoicesTests
{
    public static TheoryData<SearchStrategy> Kinds => new() { SearchStrategy.Reinforce, SearchStrategy.Random, SearchStrategy.Evolution };

    private const int Proposals = 300;
    private const int ChildSamples = 50;

    private static ISearchStrategy Create(SearchStrategy kind, ISearchSpace space) =>
        SearchStrategies.Create(kind, space, seed: 11,
            new ReinforceOptions { ChildrenPerUpdate = 10, LearningRate = 0.01 },
            new EvolutionOptions { PopulationSize = 20, SampleSize = 5 });

    /// <summary>
    /// Proposes <see cref="Proposals"/> sequences (learning from a reward that favours a fixed cell, so Reinforce's
    /// controller moves and Evolution mutates) and draws <see cref="ChildSamples"/> weight-sharing samples; returns how
    /// many the real recurrent-cell space refuses.
    /// </summary>
    private static int Refusals(SearchStrategy kind, ISearchSpace proposalSpace, RecurrentCellSearchSpace decoder)
    {
        using ISearchStrategy strategy = Create(kind, proposalSpace);
        int[] target = TargetMatching.Target(decoder, 9);
        int refused = 0;
        bool Refuses(IReadOnlyList<int> tokens)
        {
            try { decoder.Decode(tokens); return false; }
            catch (ArchitectureValidationException) { refused++; return true; }
        }
        for (int done = 0; done < Proposals; done += 10)
        {
            var feedback = strategy.Propose(10).Select(t =>
                Refuses(t) ? new TrialFeedback(t, 0, Failed: true) : new TrialFeedback(t, TargetMatching.Reward(t, target))).ToArray();
            strategy.Learn(feedback);
        }
        for (int i = 0; i < ChildSamples; i++) Refuses(((IChildSampler)strategy).SampleChild());
        return refused;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ProposalsAndChildSamplesOnTheDefaultRecurrentCellSpaceAllDecode_AndWithoutTheMaskSomeWouldNot(SearchStrategy kind)
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions());
        Assert.Equal(0, Refusals(kind, space, space));
        // The same strategy and seed on a view of the space without its mask draws cells the space refuses, so the
        // zero above is the mask's doing, not the sample's luck.
        Assert.True(Refusals(kind, new UnmaskedView(space), space) > 0);
    }

    [Fact]
    public void TheControllerGivesARefusedMemoryNodeProbabilityExactlyZero()
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions());
        using var strategy = new ReinforceStrategy(space, seed: 3);
        int memoryStep = space.InjectStepOffset + 3;
        for (int inject = 0; inject < space.Tree.NodeCount; inject++)
        {
            int[] prefix = AllowedTokens.CompleteWithFirstAllowed(space, Array.Empty<int>())[..memoryStep];
            prefix[memoryStep - 1] = inject;
            float[] p = strategy.NextChoiceProbabilities(prefix);
            Assert.Equal(0f, p[inject]);
            Assert.All(p.Where((_, m) => m != inject), q => Assert.True(q > 0));
            Assert.Equal(1.0, p.Sum(q => (double)q), 5);
        }
    }

    [Fact]
    public void MaskedLogProbabilityAndEntropyEqualTheSoftmaxOverAllowedChoicesComputedByHand()
    {
        // Two leaves: three tree nodes, ten steps; the last step (memory node) refuses the inject node.
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 2, VocabularySize = 50, EmbeddingSize = 8, HiddenSize = 8, Layers = 1 });
        int last = space.Steps.Count - 1;
        int[] cell = { 0, 1, 1, 0, 1, 2, 0, 3, 2, 0 }; // inject node 2, memory node 0
        var options = new ControllerOptions();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var masked = new ControllerNetwork(space, options, new Xoshiro256(5));
        using var unmasked = new ControllerNetwork(new UnmaskedView(space), options, new Xoshiro256(5));

        ControllerPass free = unmasked.Run(1, new[] { cell }, null, probabilitiesOfStep: last);
        bool[] earlierSteps = Enumerable.Range(0, cell.Length).Select(i => i < last).ToArray();
        double before = unmasked.Run(1, new[] { cell }, null, earlierSteps).LogProbability.item<float>();
        double beforeEntropy = unmasked.Run(1, new[] { cell }, null, earlierSteps).Entropy.item<float>();
        double[] q = free.StepProbabilities![0].Select(v => (double)v).ToArray();
        int inject = cell[last - 1];
        double allowedMass = q.Where((_, m) => m != inject).Sum();
        double[] byHand = q.Select((v, m) => m == inject ? 0 : v / allowedMass).ToArray();
        double expectedLogp = before + Math.Log(byHand[cell[last]]);
        double expectedEntropy = beforeEntropy - byHand.Where(v => v > 0).Sum(v => v * Math.Log(v));

        ControllerPass pass = masked.Run(1, new[] { cell }, null, probabilitiesOfStep: last);
        Assert.Equal(expectedLogp, pass.LogProbability.item<float>(), 5);
        Assert.Equal(expectedEntropy, pass.Entropy.item<float>(), 5);
        Assert.Equal(0f, pass.StepProbabilities![0][inject]);
        for (int m = 0; m < q.Length; m++) Assert.Equal(byHand[m], pass.StepProbabilities[0][m], 5);
    }

    [Fact]
    public void TeacherForcingARefusedSequenceIsAnErrorNamingTheStep()
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 2, VocabularySize = 50, EmbeddingSize = 8, HiddenSize = 8, Layers = 1 });
        using var strategy = new ReinforceStrategy(space, seed: 3);
        var error = Assert.Throws<ArgumentException>(() => strategy.LogProbability(new[] { 0, 1, 1, 0, 1, 2, 0, 3, 2, 2 }));
        Assert.Contains("memory.node", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StrategiesKeepToAMaskOnChoiceAndSkipSteps(SearchStrategy kind)
    {
        var space = new RuleSpace();
        using ISearchStrategy strategy = Create(kind, space);
        int[] target = TargetMatching.Target(space, 4);
        var seen = new List<IReadOnlyList<int>>();
        for (int done = 0; done < 300; done += 10)
        {
            var proposed = strategy.Propose(10);
            seen.AddRange(proposed);
            strategy.Learn(proposed.Select(t => new TrialFeedback(t, TargetMatching.Reward(t, target))).ToArray());
        }
        for (int i = 0; i < 50; i++) seen.Add(((IChildSampler)strategy).SampleChild());
        Assert.All(seen, t => Assert.Equal(-1, AllowedTokens.FirstRefusedStep(space, t)));
        // The skip rule bit (the width rule bites every sequence).
        Assert.Contains(seen, t => t[3] == 0);
    }

    /// <summary>A space's steps and decoding without its mask: what the strategies did before the mask existed.</summary>
    private sealed class UnmaskedView(ISearchSpace inner) : ISearchSpace
    {
        public string Name => inner.Name;
        public IReadOnlyList<DecisionStep> Steps => inner.Steps;
        public string Fingerprint => inner.Fingerprint;
        public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;
        public IArchitecture Decode(IReadOnlyList<int> tokens) => inner.Decode(tokens);
        public IArchitecture FromJson(string json) => inner.FromJson(json);
        public IReadOnlyList<ReferenceArchitecture> References => inner.References;
    }

    /// <summary>
    /// <see cref="LayeredSpace"/> (3 layers of 4 choices) with two rules: layer 0's width differs from its height, and
    /// when layer 1's height is 0 the skip 0->1 must be taken.
    /// </summary>
    private sealed class RuleSpace : ISearchSpace
    {
        private readonly LayeredSpace _inner = new(layers: 3);

        public string Name => "rules";
        public IReadOnlyList<DecisionStep> Steps => _inner.Steps;
        public string Fingerprint => "rules:" + _inner.Fingerprint;

        public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix)
        {
            if (prefix.Count == 1) return Enumerable.Range(0, 4).Select(t => t != prefix[0]).ToArray();
            if (Steps[prefix.Count].Name == "skip 0->1" && prefix[3] == 0) return new[] { false, true };
            return null;
        }

        public IArchitecture Decode(IReadOnlyList<int> tokens) => throw new NotSupportedException("strategy tests never decode");
        public IArchitecture FromJson(string json) => throw new NotSupportedException("strategy tests never decode");
        public IReadOnlyList<ReferenceArchitecture> References => Array.Empty<ReferenceArchitecture>();
    }
}
