using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

public class StrategyLearningTests(ITestOutputHelper output)
{
    private const int Proposals = 300;
    private static readonly int[] Seeds = { 1, 2, 3, 4, 5 };

    // A faster controller learning rate than the paper's 0.0006: the paper trains on thousands of children, this test
    // on 300 proposals; the algorithm is the same.
    private static readonly ReinforceOptions FastReinforce = new() { LearningRate = 0.01, ChildrenPerUpdate = 5, EntropyWeight = 0.02, Controller = new() { TanhConstant = 2.5 } };

    [Fact]
    public void ReinforceAndEvolutionBeatRandomOnAKnownOptimum()
    {
        var space = new LayeredSpace();
        var random = new List<(double, double)>();
        var reinforce = new List<(double, double)>();
        var evolution = new List<(double, double)>();
        foreach (int seed in Seeds)
        {
            int[] target = TargetMatching.Target(space, 100 + seed);
            using (var s = new RandomStrategy(space, seed)) random.Add(TargetMatching.Run(s, target, Proposals));
            using (var s = new ReinforceStrategy(space, seed, FastReinforce)) reinforce.Add(TargetMatching.Run(s, target, Proposals));
            using (var s = new EvolutionStrategy(space, seed)) evolution.Add(TargetMatching.Run(s, target, Proposals));
        }
        output.WriteLine($"random    best {string.Join(" ", random.Select(r => r.Item1.ToString("0.00")))} last50 {string.Join(" ", random.Select(r => r.Item2.ToString("0.00")))}");
        output.WriteLine($"reinforce best {string.Join(" ", reinforce.Select(r => r.Item1.ToString("0.00")))} last50 {string.Join(" ", reinforce.Select(r => r.Item2.ToString("0.00")))}");
        output.WriteLine($"evolution best {string.Join(" ", evolution.Select(r => r.Item1.ToString("0.00")))} last50 {string.Join(" ", evolution.Select(r => r.Item2.ToString("0.00")))}");

        double randomBest = random.Average(r => r.Item1), randomLast = random.Average(r => r.Item2);
        Assert.True(reinforce.Average(r => r.Item1) > randomBest + Margin.Best, $"reinforce best {reinforce.Average(r => r.Item1):0.000} vs random {randomBest:0.000}");
        Assert.True(evolution.Average(r => r.Item1) > randomBest + Margin.Best, $"evolution best {evolution.Average(r => r.Item1):0.000} vs random {randomBest:0.000}");
        Assert.True(reinforce.Average(r => r.Item2) > randomLast + Margin.LastMean, $"reinforce last-50 mean {reinforce.Average(r => r.Item2):0.000} vs random {randomLast:0.000}");
        Assert.True(evolution.Average(r => r.Item2) > randomLast + Margin.LastMean, $"evolution last-50 mean {evolution.Average(r => r.Item2):0.000} vs random {randomLast:0.000}");
    }

    [Fact]
    public void TheControllersProbabilityOfTheTargetRises()
    {
        var space = new LayeredSpace();
        foreach (int seed in Seeds.Take(3))
        {
            int[] target = TargetMatching.Target(space, 100 + seed);
            using var s = new ReinforceStrategy(space, seed, FastReinforce);
            double before = s.LogProbability(target);
            TargetMatching.Run(s, target, Proposals);
            double after = s.LogProbability(target);
            output.WriteLine($"seed {seed}: log p(target) {before:0.00} -> {after:0.00}");
            Assert.True(after > before + Margin.LogProbabilityGain, $"seed {seed}: log p(target) {before:0.00} -> {after:0.00}");
        }
    }

    /// <summary>
    /// Margins set from measured runs, well inside what was observed. Measured (seeds 1-5, 300 proposals, 18 steps):
    /// best reward random 0.61-0.72 (mean 0.66), reinforce 0.89-1.00 (0.94), evolution 0.83-1.00 (0.94); mean of the last
    /// 50 rewards random 0.32-0.35, reinforce 0.71-0.82, evolution 0.73-0.87; log p(target) under the controller
    /// -21 before, -5.5 to -7.2 after (seeds 1-3).
    /// </summary>
    private static class Margin
    {
        public const double Best = 0.15;
        public const double LastMean = 0.25;
        public const double LogProbabilityGain = 5.0;
    }
}
