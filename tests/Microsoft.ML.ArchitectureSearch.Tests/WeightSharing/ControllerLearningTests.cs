using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Tests.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>
/// The weight-sharing loop with a controller on a synthetic shared-weight problem whose optimum is known: every choice
/// of every step has one shared weight, trained only when a child that makes that choice is trained (towards 1 for the
/// hidden target's choice, towards 0 otherwise), and a child's score is the mean of its choices' shared weights plus
/// mini-batch noise. As in ENAS, a choice looks good only after the children sampled for training have used it.
/// </summary>
public class ControllerLearningTests(ITestOutputHelper output)
{
    // One seed keeps each test to seconds; seeds 2 and 3 passed the same margins when measured (below).
    private const int Seed = 1;

    private static readonly WeightSharingRunOptions Run = new() { SharedEpochs = 10, ChildrenPerEpoch = 30, FinalCandidates = 10 };

    private static readonly DecodableLayeredSpace Space = new();

    private static readonly int[] Target = TargetMatching.Target(Space, 100 + Seed);

    // The weight-sharing preset's run, shared by both tests (the class's tests run one after the other).
    private static readonly Lazy<ControllerRun> Preset = new(() => ControllerRun.Of(ReinforceOptions.ForWeightSharing));

    [Fact]
    public void EnasWithTheWeightSharingPresetLearnsTheKnownOptimumAndBeatsRandomSamplingOfTheSameSharedWeights()
    {
        ControllerRun enas = Preset.Value;
        using var random = new RandomStrategy(Space, Seed);
        var randomSearch = new WeightSharingSearch(random, new SharedChoiceWeights(Target, Seed), Run);
        SearchOutcome randomOutcome = randomSearch.Run(CancellationToken.None);
        double randomMatch = TargetMatching.Reward(randomOutcome.Best!.Tokens, Target);

        output.WriteLine($"preset: {enas}; random: winner matches {randomMatch:0.00}, mean reward per epoch {Format(randomSearch.MeanRewardPerEpoch)}");
        Assert.True(enas.LogProbabilityAfter > enas.LogProbabilityBefore + Margin.LogProbabilityGain,
            $"log p(target) {enas.LogProbabilityBefore:0.00} -> {enas.LogProbabilityAfter:0.00}");
        Assert.True(enas.MeanReward[^1] > randomSearch.MeanRewardPerEpoch[^1] + Margin.LastEpochReward,
            $"last epoch's mean reward ENAS {enas.MeanReward[^1]:0.00}, random {randomSearch.MeanRewardPerEpoch[^1]:0.00}");
        Assert.True(enas.EntropyDrop > Margin.EntropyDrop, $"controller entropy {Format(enas.Entropy)}");
        Assert.True(enas.WinnerMatch > randomMatch + Margin.WinnerMatch, $"winner matches {enas.WinnerMatch:0.00} (ENAS) vs {randomMatch:0.00} (random)");
    }

    /// <summary>
    /// Why the preset exists: Zoph &amp; Le's defaults (learning rate 0.0006, no tanh bound) are tuned for a dozen
    /// separately trained children; on the few hundred shared-weight rewards of a search the controller hardly moves,
    /// and the mean reward of its samples rises only as much as the shared weights' own training lifts every child.
    /// </summary>
    [Fact]
    public void TheMeanSampledRewardRisesOverTheSharedEpochsWithTheWeightSharingPresetAndFarLessWithTheSeparateTrainingDefaults()
    {
        ControllerRun preset = Preset.Value, defaults = ControllerRun.Of(new ReinforceOptions());

        output.WriteLine($"preset: {preset}\ndefaults: {defaults}");
        Assert.True(preset.RewardRise > Margin.PresetRewardRise, $"preset's mean reward per epoch {Format(preset.MeanReward)}");
        Assert.True(preset.RewardRise > defaults.RewardRise + Margin.RiseOverDefaults,
            $"mean reward per epoch: preset {Format(preset.MeanReward)}, defaults {Format(defaults.MeanReward)}");
        Assert.True(defaults.EntropyDrop < Margin.DefaultsEntropyDrop, $"defaults' controller entropy {Format(defaults.Entropy)}");
        Assert.True(preset.EntropyDrop > Margin.EntropyDrop, $"preset's controller entropy {Format(preset.Entropy)}");
    }

    private static string Format(IEnumerable<double> values) => string.Join(" ", values.Select(v => v.ToString("0.00")));

    /// <summary>What one weight-sharing search with a Reinforce controller did on the synthetic problem.</summary>
    private sealed record ControllerRun(double LogProbabilityBefore, double LogProbabilityAfter, double[] MeanReward, double[] Entropy, double WinnerMatch)
    {
        public static ControllerRun Of(ReinforceOptions options)
        {
            using var controller = new ReinforceStrategy(Space, Seed, options);
            double before = controller.LogProbability(Target);
            var search = new WeightSharingSearch(controller, new SharedChoiceWeights(Target, Seed), Run);
            SearchOutcome outcome = search.Run(CancellationToken.None);
            return new ControllerRun(before, controller.LogProbability(Target), search.MeanRewardPerEpoch.ToArray(),
                search.ControllerEntropyPerEpoch.ToArray(), TargetMatching.Reward(outcome.Best!.Tokens, Target));
        }

        /// <summary>Mean reward of the last epoch's samples minus the first's.</summary>
        public double RewardRise => MeanReward[^1] - MeanReward[0];

        public double EntropyDrop => Entropy[0] - Entropy[^1];

        public override string ToString() =>
            $"log p(target) {LogProbabilityBefore:0.0} -> {LogProbabilityAfter:0.0}; winner matches {WinnerMatch:0.00} of the target; " +
            $"entropy per epoch {Format(Entropy)}; mean reward per epoch {Format(MeanReward)}";
    }

    /// <summary>
    /// Margins set from measured runs, well inside what was observed. Measured (seeds 1, 2, 3), preset: log p(target)
    /// -21.0, -20.7, -20.7 before, -7.4, -9.3, -9.2 after; mean reward per epoch 0.26, 0.28, 0.27 in the first epoch,
    /// 0.65, 0.67, 0.67 in the last (random sampling's last: 0.30, 0.38, 0.31); controller entropy 20.6-20.7 in the
    /// first epoch, 12.2-13.4 in the last; the winner matches 0.89, 0.78, 0.83 of the target (random's 0.56, 0.39,
    /// 0.39). The defaults: mean reward 0.25 -> 0.29, 0.28 -> 0.39, 0.26 -> 0.34; entropy 20.8 -> 20.7, 20.8, 20.8.
    /// </summary>
    private static class Margin
    {
        public const double LogProbabilityGain = 5.0;
        public const double LastEpochReward = 0.2;
        public const double WinnerMatch = 0.1;
        public const double EntropyDrop = 3.0;
        public const double PresetRewardRise = 0.25;
        public const double RiseOverDefaults = 0.15;
        public const double DefaultsEntropyDrop = 0.5;
    }

    /// <summary><see cref="LayeredSpace"/>'s steps, with token sequences as its architectures.</summary>
    private sealed class DecodableLayeredSpace : ISearchSpace
    {
        private readonly LayeredSpace _steps = new();

        public string Name => "layered";
        public IReadOnlyList<DecisionStep> Steps => _steps.Steps;
        public string Fingerprint => _steps.Fingerprint;
        public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;
        public IArchitecture Decode(IReadOnlyList<int> tokens) => new Tokens(this, tokens.ToArray());
        public IArchitecture FromJson(string json) => Decode(json.Split(',').Select(int.Parse).ToArray());
        public IReadOnlyList<ReferenceArchitecture> References => Array.Empty<ReferenceArchitecture>();

        private sealed record Tokens(ISearchSpace Space, IReadOnlyList<int> Values) : IArchitecture
        {
            IReadOnlyList<int> IArchitecture.Tokens => Values;
            public long ParameterCount => 0;
            public long MultiplyAdds => 0;
            public string Hash => ArchitectureHash.Compute(Space.Fingerprint, Values);
            public string Describe() => ToJson();
            public string ToJson() => string.Join(",", Values);
        }
    }

    /// <summary>The synthetic shared weights: one per (step, choice), trained through the sampled children only.</summary>
    private sealed class SharedChoiceWeights(int[] target, int seed) : ISharedWeightTrainer
    {
        private const int BatchesPerEpoch = 20;
        private const double Rate = 0.2, MiniBatchNoise = 0.05;
        private readonly double[][] _weights = target.Select(_ => new double[8]).ToArray();
        private readonly Random _random = new(seed);

        public double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken)
        {
            double loss = 0;
            for (int b = 0; b < BatchesPerEpoch; b++)
            {
                IReadOnlyList<int> tokens = sampleChild().Tokens;
                for (int k = 0; k < tokens.Count; k++)
                {
                    double goal = tokens[k] == target[k] ? 1 : 0;
                    loss += Math.Abs(goal - _weights[k][tokens[k]]) / tokens.Count;
                    _weights[k][tokens[k]] += Rate * (goal - _weights[k][tokens[k]]);
                }
            }

            return loss / BatchesPerEpoch;
        }

        public TrialResult Score(IArchitecture child, bool allValidationRows)
        {
            double score = child.Tokens.Select((t, k) => _weights[k][t]).Average();
            if (!allValidationRows)
                score += MiniBatchNoise * (2 * _random.NextDouble() - 1);
            return new TrialResult { MetricName = "synthetic", Reward = score, ValidationMetricPerEpoch = new[] { score } };
        }

        // These searches run without a checkpoint directory, so nothing asks for the state.
        public double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads) => throw new NotSupportedException("This test times nothing.");

        public void SaveState(Stream stream) => throw new NotSupportedException("The synthetic shared weights are not checkpointed.");

        public void LoadState(Stream stream) => throw new NotSupportedException("The synthetic shared weights are not checkpointed.");

        public void Dispose() { }
    }
}
