namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>
/// Zoph &amp; Le's REINFORCE-trained controller. The defaults are Zoph &amp; Le's, for separately trained children (a
/// dozen rewards per CPU-hour); <see cref="ForWeightSharing"/> holds ENAS's settings for children scored on shared
/// weights (hundreds of rewards per CPU-hour).
/// </summary>
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
    /// Weight of ENAS's skip penalty in the controller's loss (0, the default: none): for every layer with skip
    /// decisions, the KL divergence between the controller's probability of each skip connection and
    /// <see cref="SkipTarget"/>, summed over the layer's decisions, averaged over the layers. It keeps a controller
    /// that learns from noisy shared-weight rewards from connecting every layer to every other (Pham et al. 2018,
    /// Sec. 2.3). Spaces without skip decisions are unaffected.
    /// </summary>
    public double SkipPenaltyWeight { get; init; }

    /// <summary>The probability of each skip connection that <see cref="SkipPenaltyWeight"/> pulls towards (0.4 in ENAS's macro search).</summary>
    public double SkipTarget { get; init; } = 0.4;

    /// <summary>
    /// Progressive depth (Zoph &amp; Le): start by sampling only the first layers; the decisions of later layers stay at token
    /// 0 (no skip) until they are switched on. Null: every layer from the start.
    /// </summary>
    public ProgressiveDepth? ProgressiveDepth { get; init; }

    /// <summary>
    /// ENAS's controller settings for a search with <see cref="ArchitectureSearchOptions.WeightSharing"/>, used there
    /// whenever <see cref="ArchitectureSearchOptions.Reinforce"/> is null (its default). From the authors' macro
    /// CIFAR-10 search (melodyguan/enas, scripts/cifar10_macro_search.sh and src/cifar10/main.py): a one-layer,
    /// 64-unit LSTM initialised in [-0.1, 0.1], tanh constant 1.5, baseline decay 0.99, entropy weight 0.0001, skip
    /// penalty 0.8 towards 0.4. Two values are scaled to a CPU's budget (docs/enas-controller.md): ENAS makes 50
    /// controller updates of 20 children after every shared epoch, about 15,000 over a search at learning rate 0.001;
    /// here a shared epoch is followed by <see cref="ArchitectureSearchOptions.MaxTrials"/> children (tens to a hundred),
    /// so an update takes 10 children (ENAS's PTB search aggregates 10) and the learning rate is 0.01, which moves the
    /// controller about as far per shared epoch as ENAS's 50 updates at 0.001.
    /// </summary>
    public static ReinforceOptions ForWeightSharing { get; } = new()
    {
        Controller = new ControllerOptions { Layers = 1, HiddenSize = 64, InitRange = 0.1, TanhConstant = 1.5 },
        LearningRate = 0.01,
        ChildrenPerUpdate = 10,
        BaselineDecay = 0.99,
        EntropyWeight = 0.0001,
        SkipPenaltyWeight = 0.8,
        SkipTarget = 0.4,
    };

    internal void Validate()
    {
        Controller.Validate();
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be positive.");
        if (ChildrenPerUpdate < 1) throw new ArgumentOutOfRangeException(nameof(ChildrenPerUpdate), ChildrenPerUpdate, "ChildrenPerUpdate must be at least 1.");
        if (!(BaselineDecay >= 0 && BaselineDecay < 1)) throw new ArgumentOutOfRangeException(nameof(BaselineDecay), BaselineDecay, "BaselineDecay must be in [0, 1).");
        if (!(EntropyWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(EntropyWeight), EntropyWeight, "EntropyWeight must not be negative.");
        if (!(GradientClipNorm > 0)) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "GradientClipNorm must be positive.");
        if (!(SkipPenaltyWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(SkipPenaltyWeight), SkipPenaltyWeight, "SkipPenaltyWeight must not be negative.");
        if (!(SkipTarget > 0 && SkipTarget < 1)) throw new ArgumentOutOfRangeException(nameof(SkipTarget), SkipTarget, "SkipTarget must be between 0 and 1 (exclusive).");
        ProgressiveDepth?.Validate();
    }
}
