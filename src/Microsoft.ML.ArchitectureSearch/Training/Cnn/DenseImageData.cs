namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Labelled images as dense arrays: <see cref="Pixels"/> holds N images of Channels x Height x Width, planar (all of
/// channel 0, then channel 1, ...), row-major, scaled to [0, 1]; <see cref="Labels"/> holds the N class indices.
/// </summary>
internal sealed class DenseImageData
{
    public DenseImageData(float[] pixels, int[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"Image shape must be positive; got {channels}x{height}x{width}.");
        if (labels.Length == 0)
            throw new ArgumentException("The image data holds no examples.", nameof(labels));
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"{labels.Length} images of {channels}x{height}x{width} need {expected} pixel values; got {pixels.LongLength}.", nameof(pixels));
        for (long p = 0; p < pixels.LongLength; p++)
        {
            if (!float.IsFinite(pixels[p]))
                throw new ArgumentException(
                    $"Pixel value {pixels[p]} of image {p / (channels * height * width)} is not a finite number.", nameof(pixels));
        }

        for (int n = 0; n < labels.Length; n++)
        {
            if (labels[n] < 0)
                throw new ArgumentException($"Label {labels[n]} of image {n} is negative.", nameof(labels));
        }

        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    public float[] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Per-channel mean and standard deviation over all pixels (double sums, for stability).</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        int plane = Height * Width;
        var mean = new float[Channels];
        var std = new float[Channels];
        for (int c = 0; c < Channels; c++)
        {
            double sum = 0, sumSquares = 0;
            for (int n = 0; n < Count; n++)
            {
                long offset = ((long)n * Channels + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    double v = Pixels[offset + p];
                    sum += v;
                    sumSquares += v * v;
                }
            }

            double count = (double)Count * plane;
            double m = sum / count;
            mean[c] = (float)m;
            // A constant channel would divide by zero; leave it unscaled.
            double variance = Math.Max(sumSquares / count - m * m, 0);
            std[c] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }

        return (mean, std);
    }
}
