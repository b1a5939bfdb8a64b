using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Tests.Execution;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

/// <summary>A CNN-like step layout without networks: per layer three choices, then a skip from every earlier layer.</summary>
internal sealed class LayeredSpace : ISearchSpace
{
    public LayeredSpace(int layers = 4, int choices = 4)
    {
        var steps = new List<DecisionStep>();
        for (int i = 0; i < layers; i++)
        {
            foreach (string d in new[] { "height", "width", "filters" })
                steps.Add(DecisionStep.Choice($"layer{i}.{d}", i, Enumerable.Range(0, choices).Select(c => c.ToString())));
            for (int j = 0; j < i; j++) steps.Add(DecisionStep.Skip(j, i));
        }
        Steps = steps;
    }

    public string Name => "layered";
    public IReadOnlyList<DecisionStep> Steps { get; }
    public string Fingerprint => "layered:" + string.Join(",", Steps.Select(s => s.Name + "/" + s.ChoiceCount));
    public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;
    public IArchitecture Decode(IReadOnlyList<int> tokens) => throw new NotSupportedException("strategy tests never decode");
    public IArchitecture FromJson(string json) => throw new NotSupportedException("strategy tests never decode");
    public IReadOnlyList<ReferenceArchitecture> References { get; init; } = Array.Empty<ReferenceArchitecture>();
}

/// <summary>Runs a strategy against reward = fraction of decisions equal to a hidden target, with no child training.</summary>
internal static class TargetMatching
{
    public static int[] Target(ISearchSpace space, int seed)
    {
        var random = new Random(seed);
        return space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
    }

    public static double Reward(IReadOnlyList<int> tokens, int[] target) =>
        tokens.Zip(target, (a, b) => a == b ? 1.0 : 0.0).Average();

    /// <summary>Best reward and mean reward of the last 50 proposals after <paramref name="proposals"/> proposals.</summary>
    public static (double Best, double LastMean) Run(ISearchStrategy strategy, int[] target, int proposals, int batch = 5)
    {
        var rewards = new List<double>();
        while (rewards.Count < proposals)
        {
            var proposed = strategy.Propose(batch);
            var feedback = proposed.Select(t => new TrialFeedback(t, Reward(t, target))).ToArray();
            rewards.AddRange(feedback.Select(f => f.Reward));
            strategy.Learn(feedback);
        }
        return (rewards.Max(), rewards.TakeLast(50).Average());
    }
}
