using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>How a proposal was handled.</summary>
public enum TrialKind
{
    /// <summary>The child was trained.</summary>
    Trained,

    /// <summary>The same architecture was trained earlier in this search; its result was reused.</summary>
    Reused,

    /// <summary>Rejected before training (invalid, or over the parameter / multiply-add budget).</summary>
    Rejected,
}

/// <summary>One proposal of a search and what became of it: a row of the search history.</summary>
public sealed record TrialRecord
{
    /// <summary>0-based position among all proposals of the search.</summary>
    public required int Index { get; init; }

    /// <summary>
    /// Which strategy batch proposed it (batches are proposed, evaluated, then learned from together). In a weight-sharing
    /// search: the shared epoch it was scored after (0-based); the final candidates form the batch after the last epoch.
    /// </summary>
    public required int Batch { get; init; }

    /// <summary>Whether the child was trained, reused an earlier result or was rejected.</summary>
    public required TrialKind Kind { get; init; }

    /// <summary>The controller's decisions, one token per decision step of the search space.</summary>
    public required IReadOnlyList<int> Tokens { get; init; }

    /// <summary>Architecture hash; empty when the tokens did not decode.</summary>
    public string Hash { get; init; } = "";

    /// <summary>The architecture in one readable line (or why it was rejected).</summary>
    public string Description { get; init; } = "";

    /// <summary>The architecture as JSON (<c>ISearchSpace.FromJson</c> reads it); empty when the tokens did not decode.</summary>
    public string ArchitectureJson { get; init; } = "";

    /// <summary>Trainable parameters of the child network.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Multiply-adds of one forward pass for one example.</summary>
    public long MultiplyAdds { get; init; }

    /// <summary>Training outcome (for rejected proposals: a failed result carrying the reason).</summary>
    public required TrialResult Result { get; init; }

    /// <summary>
    /// Reward the strategy learned from: the result's reward times <see cref="CostFactor"/> (the search's
    /// <see cref="SearchObjective"/>), 0 for failed or rejected children.
    /// </summary>
    public double Reward => Result.Failed ? 0 : Result.Reward * CostFactor;

    /// <summary>Which cost <see cref="Cost"/> is (the search's <see cref="SearchObjective.Cost"/>); None when it optimised the reward alone.</summary>
    public ObjectiveCost CostKind { get; init; }

    /// <summary>
    /// The child's cost under the search's objective, in the cost's unit: parameters, multiply-adds, or measured
    /// milliseconds per example. Null when the objective has no cost, and for rejected or failed children.
    /// </summary>
    public double? Cost { get; init; }

    /// <summary>(cost / target)^w of MnasNet's reward (see <see cref="SearchObjective"/>); 1 when there is no cost.</summary>
    public double CostFactor { get; init; } = 1;

    /// <summary>Seed the child was trained with (derived from the search seed and <see cref="Index"/>).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// For the trials that evaluate <see cref="ArchitectureSearchOptions.InitialArchitectures"/> (the first trials of a
    /// search): the architecture's name, e.g. "plain 3x3 stack", or "initial architecture 2" for one the user gave.
    /// Null for the strategy's own proposals.
    /// </summary>
    public string? Reference { get; init; }

    /// <summary>
    /// The worker that trained the child when the search trained children on a cluster (e.g. Microsoft.Orleans workers);
    /// null when it trained in the process that ran the search, and for rejected proposals.
    /// </summary>
    public string? Worker { get; init; }

    /// <summary>The record of a child that was trained (or scored on shared weights) with <paramref name="result"/>.</summary>
    internal static TrialRecord Trained(int index, int batch, IReadOnlyList<int> tokens, IArchitecture architecture, TrialResult result, int seed) => new()
    {
        Index = index,
        Batch = batch,
        Kind = TrialKind.Trained,
        Tokens = tokens.ToArray(),
        Hash = architecture.Hash,
        Description = architecture.Describe(),
        ArchitectureJson = architecture.ToJson(),
        ParameterCount = architecture.ParameterCount,
        MultiplyAdds = architecture.MultiplyAdds,
        Result = result,
        Seed = seed,
    };

    /// <summary>The record of a proposal refused before training, carrying the reason as a failed result.</summary>
    internal static TrialRecord Rejected(int index, int batch, IReadOnlyList<int> tokens, string reason) => new()
    {
        Index = index,
        Batch = batch,
        Kind = TrialKind.Rejected,
        Tokens = tokens.ToArray(),
        Description = reason,
        Result = new TrialResult { MetricName = "", Failed = true, FailureReason = reason },
    };
}
