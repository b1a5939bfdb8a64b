namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>How the learning rate moves over a child's training.</summary>
public enum LearningRateSchedule
{
    /// <summary>Cosine annealing per step from <see cref="CnnTrainingOptions.LearningRate"/> to 0 over all epochs.</summary>
    Cosine,

    /// <summary>The initial learning rate throughout.</summary>
    Constant,

    /// <summary>
    /// Linear warm-up over the first <see cref="CnnTrainingOptions.WarmupFraction"/> of the steps, then linear decay to 0
    /// (fast CIFAR recipes such as airbench).
    /// </summary>
    WarmupLinear,
}

/// <summary>Optimiser, batching, augmentation and reward settings for <see cref="CnnChildTrainer"/>.</summary>
public sealed record CnnTrainingOptions
{
    /// <summary>Initial SGD learning rate.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>How the learning rate changes over a child's epochs.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;

    /// <summary>Share of all steps spent warming up under <see cref="LearningRateSchedule.WarmupLinear"/>.</summary>
    public double WarmupFraction { get; init; } = 0.2;

    /// <summary>Label smoothing of the cross-entropy loss (0: none; fast CIFAR recipes use 0.2).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Lookahead: every this-many optimizer steps the slow weights move toward the fast ones (null: off).</summary>
    public int? LookaheadSteps { get; init; }

    /// <summary>How far the slow weights move toward the fast ones at each Lookahead sync, in (0, 1].</summary>
    public double LookaheadAlpha { get; init; } = 0.5;

    /// <summary>
    /// Score every image and its mirror image and average the logits (flip test-time augmentation), in validation,
    /// test and the fitted transformer's scoring.
    /// </summary>
    public bool TestTimeFlip { get; init; }

    /// <summary>
    /// Train batch norm's scale (gamma). airbench keeps it at 1 and trains the shift only: with a batch norm after every
    /// convolution the scale is redundant with the next layer's weights.
    /// </summary>
    public bool TrainBatchNormScale { get; init; } = true;

    /// <summary>
    /// Factor on the learning rate of batch norm's shift (beta) parameters; their weight decay is divided by it, so
    /// that the decay per step stays that of the other parameters. airbench uses 64.
    /// </summary>
    public double BatchNormShiftLearningRateScale { get; init; } = 1.0;

    /// <summary>SGD momentum (Nesterov).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Nesterov momentum (Zoph &amp; Le train children with it).</summary>
    public bool Nesterov { get; init; } = true;

    /// <summary>L2 weight decay on all parameters.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Images per mini-batch (ArchitectureSearchOptions.BatchSize overrides it when set).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Batch size for validation and test passes. Measured on CPU (bench/CnnThroughput): inference of a 6-layer
    /// 36-filter child ran at ~600-700 images/s with batches of 64-128 but ~120-150 with 256-500 (with high system
    /// time: the larger feature maps seem to be freshly mapped and page-faulted on every pass).
    /// </summary>
    public int EvaluationBatchSize { get; init; } = 128;

    /// <summary>Random crops (after zero padding by <see cref="AugmentationPadding"/>) and horizontal flips.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Pixels of padding on each side before the random crop.</summary>
    public int AugmentationPadding { get; init; } = 4;

    /// <summary>
    /// How a child's validation accuracy becomes its reward. Null (the default): the mode's reward,
    /// <see cref="RewardKind.ZophLe"/> when children train separately and ENAS's <see cref="RewardKind.Plain"/> with
    /// weight sharing, whose children score a few tenths on shared weights (cubed, their differences vanish).
    /// </summary>
    public RewardKind? Reward { get; init; }

    /// <summary>
    /// Train with convolution weights and feature maps in channels-last (NHWC) order: measured 1.3-1.7x faster on this
    /// library's CPU (oneDNN), the same values up to float rounding (BENCHMARKS.md). The trained network is handed back
    /// in the standard NCHW layout, so saved models do not depend on it.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// Train with convolutions and the classifier in bfloat16 on float32 master weights (mixed precision; CPUs with
    /// AVX-512 BF16 or AMX run it fastest). It changes the numbers: see BENCHMARKS.md for its speed and accuracy. The
    /// trained network is handed back, saved and scored in float32.
    /// </summary>
    public bool BFloat16 { get; init; }

    /// <summary>"auto" (CUDA when available), "cpu", "cuda", "cuda:1"; resolved by <see cref="TorchDevices.Resolve"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    internal void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{nameof(LearningRate)} must be a positive finite number; got {LearningRate}.");
        if (!(Momentum >= 0 && Momentum < 1))
            throw new ArgumentException($"{nameof(Momentum)} must be in [0, 1); got {Momentum}.");
        if (Nesterov && Momentum == 0)
            throw new ArgumentException($"{nameof(Nesterov)} momentum needs {nameof(Momentum)} above 0.");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentException($"{nameof(WeightDecay)} must be a non-negative finite number; got {WeightDecay}.");
        if (BatchSize < 2)
            throw new ArgumentException($"{nameof(BatchSize)} must be at least 2 (BatchNorm needs two examples); got {BatchSize}.");
        if (EvaluationBatchSize < 1)
            throw new ArgumentException($"{nameof(EvaluationBatchSize)} must be positive; got {EvaluationBatchSize}.");
        if (AugmentationPadding < 0)
            throw new ArgumentException($"{nameof(AugmentationPadding)} must not be negative; got {AugmentationPadding}.");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
            throw new ArgumentException($"{nameof(WarmupFraction)} must be in [0, 1); got {WarmupFraction}.");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
            throw new ArgumentException($"{nameof(LabelSmoothing)} must be in [0, 1); got {LabelSmoothing}.");
        if (LookaheadSteps is < 1)
            throw new ArgumentException($"{nameof(LookaheadSteps)} must be at least 1 when set; got {LookaheadSteps}.");
        if (!(LookaheadAlpha > 0 && LookaheadAlpha <= 1))
            throw new ArgumentException($"{nameof(LookaheadAlpha)} must be in (0, 1]; got {LookaheadAlpha}.");
        if (!(BatchNormShiftLearningRateScale > 0) || double.IsInfinity(BatchNormShiftLearningRateScale))
            throw new ArgumentException($"{nameof(BatchNormShiftLearningRateScale)} must be a positive finite number; got {BatchNormShiftLearningRateScale}.");
        if (!Enum.IsDefined(Schedule))
            throw new ArgumentException($"Unknown {nameof(Schedule)} {Schedule}.");
        if (Reward is { } reward && !Enum.IsDefined(reward))
            throw new ArgumentException($"Unknown {nameof(Reward)} {Reward}.");
    }
}
