namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>Rewards of image classifiers from their per-epoch validation accuracies (see <see cref="RewardKind"/>).</summary>
internal static class ImageRewards
{
    /// <summary>Zoph &amp; Le take the best of the last this-many epochs, to smooth out a noisy final epoch.</summary>
    public const int ZophLeWindow = 5;

    /// <summary>
    /// <see cref="RewardKind.ZophLe"/>: (max accuracy over the last 5 epochs)^3, which stretches differences between
    /// good children; <see cref="RewardKind.Plain"/>: the best accuracy. 0 when there are no epochs.
    /// </summary>
    public static double Compute(RewardKind kind, IReadOnlyList<double> validationAccuracyPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(validationAccuracyPerEpoch);
        if (validationAccuracyPerEpoch.Count == 0)
            return 0;
        return kind switch
        {
            RewardKind.ZophLe => Math.Pow(validationAccuracyPerEpoch.TakeLast(ZophLeWindow).Max(), 3),
            RewardKind.Plain => validationAccuracyPerEpoch.Max(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown reward kind."),
        };
    }
}
