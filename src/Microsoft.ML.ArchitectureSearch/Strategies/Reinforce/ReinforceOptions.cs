namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>Zoph &amp; Le's REINFORCE-trained controller.</summary>
public sealed record ReinforceOptions
{
    /// <summary>Size of the controller RNN and how it samples (temperature, tanh squashing).</summary>
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
