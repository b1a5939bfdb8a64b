using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

/// <summary>ENAS's skip penalty (<see cref="ReinforceOptions.SkipPenaltyWeight"/>): its value, and what it does to the controller.</summary>
public class SkipPenaltyTests(ITestOutputHelper output)
{
    [Fact]
    public void ThePenaltyIsTheKlDivergenceToTheTargetSummedOverALayersSkipsAndAveragedOverLayers()
    {
        // Layer 1 has one skip (from 0), layer 2 two (from 0 and 1); logits 0, ln 3 and -ln 3 give p = 1/2, 3/4, 1/4.
        var steps = new[] { DecisionStep.Skip(0, 1), DecisionStep.Skip(0, 2), DecisionStep.Skip(1, 2) };
        const double Target = 0.4;
        static double Kl(double p) => p * Math.Log(p / Target) + (1 - p) * Math.Log((1 - p) / (1 - Target));
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new[] { 0f, (float)Math.Log(3), -(float)Math.Log(3) }).view(1, 3);

        double all = new SkipPenalty(steps, Target).Compute(logits, null).item<float>();
        double layer1Only = new SkipPenalty(steps, Target).Compute(logits, new[] { true, false, false }).item<float>();
        double none = new SkipPenalty(steps, Target).Compute(logits, new[] { false, false, false }).item<float>();

        Assert.Equal((Kl(0.5) + Kl(0.75) + Kl(0.25)) / 2, all, 5);
        Assert.Equal(Kl(0.5), layer1Only, 5);
        Assert.Equal(0, none);
    }

    [Fact]
    public void APenaltyFarFromItsTargetStaysFiniteWhereTheProbabilityRoundsToZero()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { -200f }).view(1, 1).requires_grad_();
        Tensor penalty = new SkipPenalty(new[] { DecisionStep.Skip(0, 1) }, 0.4).Compute(logits, null).sum();
        penalty.backward();

        Assert.Equal(-Math.Log(0.6), penalty.item<float>(), 4); // KL(0 || 0.4) = ln(1 / 0.6)
        Assert.True(float.IsFinite(logits.grad!.item<float>()));
    }

    /// <summary>
    /// With every reward equal, REINFORCE's term is zero and only the penalty moves the controller: its sampled skip rate
    /// goes from about one half to near the target. With the weight at 0 (the default) nothing moves it at all.
    /// </summary>
    [Fact]
    public void WithEqualRewardsTheSkipPenaltyPullsTheSampledSkipRateTowardsItsTargetAndWeightZeroLeavesTheControllerUnchanged()
    {
        var space = new LayeredSpace();
        var options = new ReinforceOptions { LearningRate = 0.05, ChildrenPerUpdate = 5, SkipTarget = 0.1 };
        Outcome penalised = LearnFromEqualRewards(space, options with { SkipPenaltyWeight = 1 });
        Outcome unpenalised = LearnFromEqualRewards(space, options);

        output.WriteLine($"with the penalty: {penalised}; without: {unpenalised}");
        Assert.InRange(penalised.SkipRateBefore, 0.4, 0.6);
        Assert.True(penalised.SkipRateAfter < 0.2, $"with the penalty towards 0.1: {penalised}");
        Assert.Equal(unpenalised.LogProbabilityBefore, unpenalised.LogProbabilityAfter, 6);
    }

    private sealed record Outcome(double SkipRateBefore, double SkipRateAfter, double LogProbabilityBefore, double LogProbabilityAfter)
    {
        public override string ToString() =>
            $"skip rate {SkipRateBefore:0.000} -> {SkipRateAfter:0.000}, log p(every skip) {LogProbabilityBefore:0.000} -> {LogProbabilityAfter:0.000}";
    }

    /// <summary>40 updates on children that all get reward 0.5; the sampled skip rate and log p(every skip, choices 0) around them.</summary>
    private static Outcome LearnFromEqualRewards(LayeredSpace space, ReinforceOptions options)
    {
        int[] skipSteps = space.Steps.Select((s, i) => (s, i)).Where(x => x.s.Kind == DecisionKind.Skip).Select(x => x.i).ToArray();
        int[] everySkip = space.Steps.Select(s => s.Kind == DecisionKind.Skip ? 1 : 0).ToArray();
        using var controller = new ReinforceStrategy(space, 3, options);
        double Rate(IReadOnlyList<IReadOnlyList<int>> samples) => samples.Average(t => skipSteps.Average(i => t[i]));

        double rateBefore = Rate(controller.Propose(200)), logpBefore = controller.LogProbability(everySkip);
        for (int update = 0; update < 40; update++)
            controller.Learn(controller.Propose(options.ChildrenPerUpdate).Select(t => new TrialFeedback(t, 0.5)).ToArray());
        return new Outcome(rateBefore, Rate(controller.Propose(200)), logpBefore, controller.LogProbability(everySkip));
    }
}
