using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Objectives;

/// <summary>
/// What the search maximises. By default the task's reward alone (accuracy or perplexity through
/// <see cref="Training.RewardKind"/>), as Zoph &amp; Le. With a <see cref="Cost"/>, MnasNet's multi-objective reward
/// (Tan et al. 2019, Eq. 2): reward x (cost / <see cref="Target"/>)^w, where w is <see cref="ExponentBelowTarget"/>
/// when cost &lt;= target and <see cref="ExponentAboveTarget"/> otherwise. MnasNet's soft constraint uses -0.07 for both
/// (the defaults): halving the cost buys about 5% more reward; its hard constraint is 0 and -1. With
/// <see cref="Training.RewardKind.Plain"/> the reward is the accuracy itself, which is MnasNet's ACC(m).
/// </summary>
public sealed record SearchObjective
{
    /// <summary>The cost in the reward; <see cref="ObjectiveCost.None"/> (the default): the task's reward alone.</summary>
    public ObjectiveCost Cost { get; init; } = ObjectiveCost.None;

    /// <summary>The target cost T, in the cost's unit (parameters, multiply-adds, or milliseconds per example). Positive.</summary>
    public double Target { get; init; } = 1;

    /// <summary>The exponent w (MnasNet's alpha) when the cost is at most <see cref="Target"/>; at most 0.</summary>
    public double ExponentBelowTarget { get; init; } = -0.07;

    /// <summary>The exponent w (MnasNet's beta) when the cost is above <see cref="Target"/>; at most 0.</summary>
    public double ExponentAboveTarget { get; init; } = -0.07;

    /// <summary>
    /// Timed runs of each child for <see cref="ObjectiveCost.Latency"/> (after warm-up runs); the median is its latency.
    /// When Parallelism is above 1 other children train while one is timed, so use Parallelism 1 for latencies worth
    /// comparing.
    /// </summary>
    public int LatencyRuns { get; init; } = 15;

    /// <summary>
    /// libtorch intra-op threads while a child is timed (<see cref="ObjectiveCost.Latency"/>): 1 by default, latency on
    /// one core as MnasNet measures it on one phone core, and stable on a busy machine; null: the threads the search
    /// trains with.
    /// </summary>
    public int? LatencyThreads { get; init; } = 1;

    /// <summary>(cost / target)^w, the factor the task's reward is multiplied by.</summary>
    internal double CostFactor(double cost)
    {
        if (!(cost > 0) || double.IsInfinity(cost))
            throw new ArgumentOutOfRangeException(nameof(cost), cost, "A child's cost must be a positive finite number.");
        return Math.Pow(cost / Target, cost <= Target ? ExponentBelowTarget : ExponentAboveTarget);
    }

    /// <summary>
    /// The cost <paramref name="architecture"/> has by its structure: its parameters or multiply-adds, null for
    /// <see cref="ObjectiveCost.None"/>. Latency is measured on a trained child, not read from the architecture.
    /// </summary>
    internal double? StructuralCost(IArchitecture architecture) => Cost switch
    {
        ObjectiveCost.None => null,
        ObjectiveCost.Parameters => architecture.ParameterCount,
        ObjectiveCost.MultiplyAdds => architecture.MultiplyAdds,
        ObjectiveCost.Latency => throw new InvalidOperationException("Latency is measured on a trained child; the architecture alone has none."),
        _ => throw new ArgumentOutOfRangeException(nameof(Cost), Cost, "Unknown objective cost."),
    };

    /// <summary><paramref name="record"/> with this objective's cost kind, its cost and the factor its reward is multiplied by.</summary>
    internal TrialRecord WithCost(TrialRecord record, double? cost) => record with
    {
        CostKind = Cost,
        Cost = cost,
        CostFactor = cost is { } c ? CostFactor(c) : 1,
    };

    /// <summary>Checkpoint text: what changes the rewards. Empty for the default (so older checkpoints still match).</summary>
    internal string ToCanonicalText() => Cost == ObjectiveCost.None ? "" : string.Create(CultureInfo.InvariantCulture,
        $"cost={Cost};target={Target:R};below={ExponentBelowTarget:R};above={ExponentAboveTarget:R}{(Cost == ObjectiveCost.Latency ? $";runs={LatencyRuns};threads={LatencyThreads?.ToString(CultureInfo.InvariantCulture) ?? "search"}" : "")}");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Cost))
            throw new ArgumentException($"{nameof(Cost)} is not a known cost; got {(int)Cost}.", nameof(Cost));
        if (!(Target > 0) || double.IsInfinity(Target))
            throw new ArgumentException($"{nameof(Target)} must be a positive finite number; got {Target}.", nameof(Target));
        if (!(ExponentBelowTarget <= 0) || !(ExponentAboveTarget <= 0))
            throw new ArgumentException(
                $"The exponents must be 0 or negative (a higher cost may not raise the reward); got {ExponentBelowTarget} and {ExponentAboveTarget}.", nameof(ExponentBelowTarget));
        if (LatencyThreads is < 1)
            throw new ArgumentException($"{nameof(LatencyThreads)} must be at least 1 or null; got {LatencyThreads}.", nameof(LatencyThreads));
        if (LatencyRuns < 1)
            throw new ArgumentException($"{nameof(LatencyRuns)} must be at least 1; got {LatencyRuns}.", nameof(LatencyRuns));
    }
}
