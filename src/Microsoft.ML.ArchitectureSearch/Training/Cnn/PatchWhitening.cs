using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// The filters of a <see cref="SearchSpaces.Cnn.CnnStem.PatchWhitening"/> stem, from the training images (airbench's
/// initialisation, Jordan 2024): the uncentred covariance of all 2x2 patches (stride 1) of the first
/// <see cref="MaxImages"/> normalised training images, its eigenvectors e_k scaled by 1/sqrt(lambda_k + epsilon), and
/// their negations. The stem's output channels are then uncorrelated with unit variance over those patches (the
/// negated copies let the activation pass both signs), so the first searched layer starts from whitened inputs.
/// </summary>
internal static class PatchWhitening
{
    /// <summary>Images the covariance is estimated from (airbench uses 5,000).</summary>
    public const int MaxImages = 5000;

    /// <summary>Added to each eigenvalue before the square root, so near-zero directions are not blown up.</summary>
    public const double Epsilon = 5e-4;

    private const int ImagesPerChunk = 250;

    /// <summary>Filters [8C, C, 2, 2] (float32, on the images' device) from the first images of <paramref name="train"/>.</summary>
    public static Tensor Filters(ImageTensors train, int channels)
    {
        using var scope = NewDisposeScope();
        long images = Math.Min(MaxImages, train.Count);
        int size = channels * 4;
        Tensor covariance = zeros(new long[] { size, size }, ScalarType.Float64, train.Labels.device);
        long patches = 0;
        for (long start = 0; start < images; start += ImagesPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            long count = Math.Min(ImagesPerChunk, images - start);
            // [n, C, H-1, W-1, 2, 2] -> one row per patch, its values in the conv weight's (channel, row, column) order.
            Tensor rows = train.Slice(start, count).unfold(2, 2, 1).unfold(3, 2, 1)
                .permute(0, 2, 3, 1, 4, 5).reshape(-1, size).to_type(ScalarType.Float64);
            covariance.add_(rows.t().matmul(rows));
            patches += rows.shape[0];
        }

        covariance.div_(patches);
        (Tensor eigenvalues, Tensor eigenvectors) = linalg.eigh(covariance);
        Tensor scaled = eigenvectors.t().div(eigenvalues.add(Epsilon).sqrt().unsqueeze(1)).view(size, channels, 2, 2);
        return cat(new[] { scaled, scaled.neg() }, 0).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
