using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// Bytes a child's training is expected to hold at its peak, worked out from the architecture and the training options
/// before anything is allocated, so that a network that cannot fit is refused instead of taking the machine down. It is
/// an estimate of what libtorch holds (float32 throughout), calibrated against measured peaks (BENCHMARKS.md,
/// "Hardening") but not a measurement, and without the process's fixed costs (runtime, libtorch, the data); parts are
/// kept in doubles so that no user-given size can overflow it.
/// </summary>
/// <param name="Weights">The parameters, their gradients and every optimizer copy of them.</param>
/// <param name="Activations">The maps kept for the backward pass of one training batch, and the gradients alive at its peak.</param>
internal sealed record TrainingMemoryEstimate(double Weights, double Activations)
{
    internal const double BytesPerFloat = 4;

    /// <summary>The whole estimate, saturated at <see cref="long.MaxValue"/>.</summary>
    public long TotalBytes => Weights + Activations >= long.MaxValue ? long.MaxValue : (long)(Weights + Activations);

    /// <summary>The estimate for <paramref name="parameters"/> parameters held <paramref name="copies"/> times (weights,
    /// gradients, optimizer state) and <paramref name="floatsPerExample"/> saved floats per example of a batch.</summary>
    public static TrainingMemoryEstimate Of(long parameters, int copies, double floatsPerExample, int batchSize) =>
        new((double)parameters * copies * BytesPerFloat, floatsPerExample * batchSize * BytesPerFloat);

    /// <summary>"3.2 GB (weights and optimizer 0.1 GB, activations 3.1 GB)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Gigabytes(Weights + Activations)} (weights, gradients and optimizer state {Gigabytes(Weights)}, activations at the batch size {Gigabytes(Activations)})");

    internal static string Gigabytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):0.###} GB");
}
