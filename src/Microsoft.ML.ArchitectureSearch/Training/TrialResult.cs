namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>What training one child produced: its reward and the metrics behind it.</summary>
public sealed record TrialResult
{
    /// <summary>The reward the strategy learns from (see <see cref="RewardKind"/>); 0 when <see cref="Failed"/>.</summary>
    public double Reward { get; init; }

    /// <summary>"accuracy" (image classification, higher is better) or "perplexity" (language modelling, lower is better).</summary>
    public required string MetricName { get; init; }

    /// <summary>Validation metric after each completed epoch.</summary>
    public IReadOnlyList<double> ValidationMetricPerEpoch { get; init; } = Array.Empty<double>();

    /// <summary>Training loss after each completed epoch (mean over the epoch).</summary>
    public IReadOnlyList<double> TrainLossPerEpoch { get; init; } = Array.Empty<double>();

    /// <summary>Test metric, when the caller asked for it.</summary>
    public double? TestMetric { get; init; }

    /// <summary>True when training stopped on a bad child (NaN/inf loss, over budget); see <see cref="FailureReason"/>.</summary>
    public bool Failed { get; init; }

    /// <summary>Why the child failed; null when it did not.</summary>
    public string? FailureReason { get; init; }

    /// <summary>Epochs the child trained (fewer than asked when stopped early or out of time).</summary>
    public int EpochsCompleted { get; init; }

    /// <summary>Wall time of the child's training and validation.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Training throughput: images per second, or tokens per second for language models.</summary>
    public double ExamplesPerSecond { get; init; }

    /// <summary>Trainable parameters of the trained network.</summary>
    public long ParameterCount { get; init; }

    /// <summary>The best validation metric over the epochs (max accuracy, min perplexity); NaN when none.</summary>
    public double BestValidationMetric => ValidationMetricPerEpoch.Count == 0
        ? double.NaN
        : MetricName == "perplexity" ? ValidationMetricPerEpoch.Min() : ValidationMetricPerEpoch.Max();
}
