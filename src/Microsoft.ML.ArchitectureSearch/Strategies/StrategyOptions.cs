using Microsoft.ML.ArchitectureSearch.Controller;

namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>Zoph &amp; Le's REINFORCE-trained controller.</summary>
public sealed record ReinforceOptions
{
    public ControllerOptions Controller { get; init; } = new();

    /// <summary>Adam learning rate of the controller (0.0006 in the paper).</summary>
    public double LearningRate { get; init; } = 0.0006;

    /// <summary>Children per controller update: their advantages are averaged into one gradient step.</summary>
    public int ChildrenPerUpdate { get; init; } = 5;

    /// <summary>Decay of the exponential moving average of rewards used as the baseline: b = d·b + (1 - d)·R.</summary>
    public double BaselineDecay { get; init; } = 0.95;

    /// <summary>Weight of the entropy bonus added to the objective (0: none); keeps the policy exploring.</summary>
    public double EntropyWeight { get; init; }

    /// <summary>The controller's gradient norm is clipped to this.</summary>
    public double GradientClipNorm { get; init; } = 5.0;

    /// <summary>
    /// Progressive depth (Zoph &amp; Le): start by sampling only the first layers; the decisions of later layers stay at token
    /// 0 (no skip) until they are switched on. Null: every layer from the start.
    /// </summary>
    public ProgressiveDepth? ProgressiveDepth { get; init; }

    internal void Validate()
    {
        Controller.Validate();
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
        if (ChildrenPerUpdate < 1) throw new ArgumentOutOfRangeException(nameof(ChildrenPerUpdate), ChildrenPerUpdate, "ChildrenPerUpdate must be at least 1.");
        if (!(BaselineDecay >= 0 && BaselineDecay < 1)) throw new ArgumentOutOfRangeException(nameof(BaselineDecay), BaselineDecay, "BaselineDecay must be in [0, 1).");
        if (!(EntropyWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(EntropyWeight), EntropyWeight, "EntropyWeight must not be negative.");
        if (!(GradientClipNorm > 0)) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "GradientClipNorm must be positive.");
        ProgressiveDepth?.Validate();
    }
}

/// <summary>Start with <see cref="InitialLayers"/> active layers and add one every <see cref="ProposalsPerLayer"/> proposals.</summary>
public sealed record ProgressiveDepth(int InitialLayers = 2, int ProposalsPerLayer = 50)
{
    internal int ActiveLayers(long proposalsSoFar) => InitialLayers + (int)(proposalsSoFar / ProposalsPerLayer);

    internal void Validate()
    {
        if (InitialLayers < 1) throw new ArgumentOutOfRangeException(nameof(InitialLayers), InitialLayers, "InitialLayers must be at least 1.");
        if (ProposalsPerLayer < 1) throw new ArgumentOutOfRangeException(nameof(ProposalsPerLayer), ProposalsPerLayer, "ProposalsPerLayer must be at least 1.");
    }
}

/// <summary>Regularized evolution (Real et al. 2019).</summary>
public sealed record EvolutionOptions
{
    /// <summary>Architectures kept alive; the oldest dies when a child joins a full population.</summary>
    public int PopulationSize { get; init; } = 20;

    /// <summary>Architectures drawn for each tournament; the best of them is the parent.</summary>
    public int SampleSize { get; init; } = 5;

    internal void Validate()
    {
        if (PopulationSize < 2) throw new ArgumentOutOfRangeException(nameof(PopulationSize), PopulationSize, "PopulationSize must be at least 2.");
        if (SampleSize < 1 || SampleSize > PopulationSize) throw new ArgumentOutOfRangeException(nameof(SampleSize), SampleSize, "SampleSize must be between 1 and PopulationSize.");
    }
}
