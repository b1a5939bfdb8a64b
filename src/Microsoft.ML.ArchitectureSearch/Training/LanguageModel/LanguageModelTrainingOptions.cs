namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// How language-model children (and the LSTM baseline) are trained: truncated BPTT over batches of 10 sentences, each
/// read from a zero state as the transformer scores a row (<see cref="CarryStateAcrossSentences"/>), segments of at
/// most 35 steps, the gradient clipped to norm 0.25, then an Adam step with learning rate 0.003, the learning rate divided by 4
/// whenever validation perplexity does not improve, evaluation batch 10. Not PyTorch's word_language_model recipe
/// (batch 20, plain SGD at learning rate 20), because searches train children for one epoch and users retrain for a
/// few, often on a part of a corpus, and there SGD has barely left the unigram model: the LSTM after 2 epochs on 3,000
/// PTB sentences had validation perplexity 427 with the recipe, 392 with Adam at 0.002 and 362 with Adam at 0.003 over 10
/// streams
/// (BENCHMARKS.md, issue 14; twice the updates per epoch at about the same cost per token on CPU). For the recipe set
/// <c>Optimizer = Sgd, LearningRate = 20, BatchSize = 20, CarryStateAcrossSentences = true</c> (bench/training-lm-sgd.json
/// for the command-line programs).
/// </summary>
public sealed record LanguageModelTrainingOptions
{
    /// <summary>
    /// False (the default): every sentence is read on its own from a zero state, its first input the end-of-sentence
    /// word, in training and validation as in scoring (the transformer's Perplexity, the ONNX driver), so the model is
    /// trained for the situation it is used in; sentences are batched <see cref="BatchSize"/> at a time. True: PyTorch's
    /// word_language_model recipe, one stream cut into <see cref="BatchSize"/> parallel streams with the state carried
    /// across sentences (stream perplexity, what Penn Treebank results report). Scoring is per sentence either way
    /// (docs/language-model-scoring.md). The ENAS shared network always trains on streams, as ENAS did.
    /// </summary>
    public bool CarryStateAcrossSentences { get; init; }

    /// <summary>Sentences per training batch, or parallel streams the training tokens are cut into (<see cref="CarryStateAcrossSentences"/>).</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>Steps of truncated backpropagation through time (segment length).</summary>
    public int Bptt { get; init; } = 35;

    /// <summary>Sentences per batch, or parallel streams, for validation and test perplexity.</summary>
    public int EvaluationBatchSize { get; init; } = 10;

    /// <summary>How the weights are updated after each segment.</summary>
    public LanguageModelOptimizer Optimizer { get; init; } = LanguageModelOptimizer.Adam;

    /// <summary>Initial learning rate of <see cref="Optimizer"/> (divided on a validation plateau).</summary>
    public double LearningRate { get; init; } = 0.003;

    /// <summary>Global gradient norm is clipped to this before every update.</summary>
    public double GradientClipNorm { get; init; } = 0.25;

    /// <summary>The learning rate is divided by this after an epoch whose validation perplexity is not a new best.</summary>
    public double LearningRateDecay { get; init; } = 4;

    /// <summary>
    /// Train at most this many segments per epoch (null: the whole training stream). Searches on CPU use partial
    /// epochs; each epoch then continues where the previous one stopped, wrapping around the stream.
    /// </summary>
    public int? MaxStepsPerEpoch { get; init; }

    /// <summary>Evaluate at most this many segments of the validation/test stream (null: all of it).</summary>
    public int? MaxEvaluationSteps { get; init; }

    /// <summary>
    /// How a child's validation perplexity becomes its reward. Null (the default): the mode's reward,
    /// <see cref="RewardKind.ZophLe"/> when children train separately and ENAS's <see cref="RewardKind.Plain"/> with
    /// weight sharing, whose children score a few tenths on shared weights (cubed, their differences vanish).
    /// </summary>
    public RewardKind? Reward { get; init; }

    /// <summary>"auto" (CUDA when available), "cpu" or "cuda[:n]"; see <see cref="TorchDevices.Resolve"/>.</summary>
    public string? Device { get; init; }

    /// <summary><see cref="BatchSize"/> as a user sets it on ArchitectureSearchOptions, for errors that name it.</summary>
    internal const string BatchSizeOption = nameof(ArchitectureSearchOptions.LanguageModelTraining) + "." + nameof(BatchSize);

    /// <summary><see cref="EvaluationBatchSize"/> as a user sets it on ArchitectureSearchOptions, for errors that name it.</summary>
    internal const string EvaluationBatchSizeOption = nameof(ArchitectureSearchOptions.LanguageModelTraining) + "." + nameof(EvaluationBatchSize);

    internal void Validate()
    {
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"Optimizer {(int)Optimizer} is not a LanguageModelOptimizer.", nameof(Optimizer));
        if (Reward is { } reward && !Enum.IsDefined(reward)) throw new ArgumentException($"Reward {(int)reward} is not a RewardKind.", nameof(Reward));
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be positive, got {BatchSize}.", nameof(BatchSize));
        if (Bptt < 1) throw new ArgumentException($"Bptt must be positive, got {Bptt}.", nameof(Bptt));
        if (EvaluationBatchSize < 1) throw new ArgumentException($"EvaluationBatchSize must be positive, got {EvaluationBatchSize}.", nameof(EvaluationBatchSize));
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive, got {LearningRate}.", nameof(LearningRate));
        if (!(GradientClipNorm > 0)) throw new ArgumentException($"GradientClipNorm must be positive, got {GradientClipNorm}.", nameof(GradientClipNorm));
        if (!(LearningRateDecay >= 1)) throw new ArgumentException($"LearningRateDecay must be at least 1, got {LearningRateDecay}.", nameof(LearningRateDecay));
        if (MaxStepsPerEpoch is < 1) throw new ArgumentException($"MaxStepsPerEpoch must be positive when set, got {MaxStepsPerEpoch}.", nameof(MaxStepsPerEpoch));
        if (MaxEvaluationSteps is < 1) throw new ArgumentException($"MaxEvaluationSteps must be positive when set, got {MaxEvaluationSteps}.", nameof(MaxEvaluationSteps));
    }
}
