using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Random crop after zero padding, plus horizontal flip, applied to a whole [N, C, H, W] batch at once: the batch is
/// padded once, then two gathers (rows, then columns) cut each example's window; a flip is the same column gather with
/// reversed indices, so it costs nothing extra. Offsets and flips come from the caller's seeded <see cref="Random"/>.
/// </summary>
internal sealed class ImageBatchAugmenter
{
    private readonly int padding;

    /// <param name="padding">Zero pixels added on each side; crops are taken at offsets 0..2*padding.</param>
    public ImageBatchAugmenter(int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        this.padding = padding;
    }

    /// <summary>A new [N, C, H, W] batch: each example cropped at its own random offset and flipped with probability 1/2.</summary>
    public Tensor Apply(Tensor batch, Random random)
    {
        long n = batch.shape[0], channels = batch.shape[1], height = batch.shape[2], width = batch.shape[3];
        Tensor padded = padding == 0 ? batch : nn.functional.pad(batch, new long[] { padding, padding, padding, padding });
        long paddedWidth = width + 2 * padding;

        var rows = new long[n * height];
        var columns = new long[n * width];
        for (int e = 0; e < n; e++)
        {
            int top = random.Next(2 * padding + 1), left = random.Next(2 * padding + 1);
            bool flip = random.Next(2) == 1;
            for (int r = 0; r < height; r++)
                rows[e * height + r] = top + r;
            for (int c = 0; c < width; c++)
                columns[e * width + c] = left + (flip ? width - 1 - c : c);
        }

        Tensor rowIndex = tensor(rows, device: batch.device).view(n, 1, height, 1).expand(n, channels, height, paddedWidth);
        Tensor columnIndex = tensor(columns, device: batch.device).view(n, 1, 1, width).expand(n, channels, height, width);
        return padded.gather(2, rowIndex).gather(3, columnIndex);
    }
}
