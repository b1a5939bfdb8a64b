namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Labelled images for the child trainers: rows of one <see cref="ImageStore"/> in a given order, with their labels
/// (class indices). Subsets, splits and concatenations (<see cref="Select"/>, <see cref="Concat"/>) list rows of the
/// same store; only the row and label lists (4 bytes each per image) are new.
/// </summary>
internal sealed class ImageData
{
    private readonly int[]? _rows;

    /// <summary>Float pixels in [N, C, H, W] order, one image per label (the array becomes a float store).</summary>
    public ImageData(float[] pixels, int[] labels, int channels, int height, int width)
        : this(ImageStore.FromFloats(pixels, channels, height, width), null, labels)
    {
    }

    /// <param name="store">Where the pixels are.</param>
    /// <param name="rows">The store's images, in order; null for all of them in store order.</param>
    /// <param name="labels">One class index per row.</param>
    public ImageData(ImageStore store, int[]? rows, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length == 0)
            throw new ArgumentException("The image data holds no examples.", nameof(labels));
        int count = rows?.Length ?? store.Count;
        if (labels.Length != count)
            throw new ArgumentException(
                $"{labels.Length} labels for {count} images of {store.Channels}x{store.Height}x{store.Width}.", nameof(labels));
        for (int n = 0; n < labels.Length; n++)
        {
            if (labels[n] < 0)
                throw new ArgumentException($"Label {labels[n]} of image {n} is negative.", nameof(labels));
            if (rows is not null && (uint)rows[n] >= (uint)store.Count)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {rows[n]} is outside the store's {store.Count} images.");
        }

        Store = store;
        _rows = rows;
        Labels = labels;
    }

    public ImageStore Store { get; }

    /// <summary>The store's image at each position, or null when the positions are the store's own order.</summary>
    public IReadOnlyList<int>? Rows => _rows;

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels => Store.Channels;

    public int Height => Store.Height;

    public int Width => Store.Width;

    /// <summary>The store's image at position <paramref name="index"/>.</summary>
    public int StoreRow(int index) => _rows is null ? index : _rows[index];

    /// <summary>The images at <paramref name="indices"/> (positions in this data), in that order; no pixel is copied.</summary>
    public ImageData Select(IReadOnlyList<int> indices)
    {
        var rows = new int[indices.Count];
        var labels = new int[indices.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = StoreRow(indices[i]);
            labels[i] = Labels[indices[i]];
        }

        return new ImageData(Store, rows, labels);
    }

    /// <summary>
    /// The images of <paramref name="first"/>, then those of <paramref name="second"/>: row lists over the same store
    /// when both use one (a held-out validation split). Separately read data has its own store; then the images are
    /// copied once into a new one, of bytes when both hold bytes of one decoding, of floats otherwise.
    /// </summary>
    public static ImageData Concat(ImageData first, ImageData second)
    {
        if ((first.Channels, first.Height, first.Width) != (second.Channels, second.Height, second.Width))
            throw new ArgumentException(
                $"Cannot join {first.Channels}x{first.Height}x{first.Width} images with {second.Channels}x{second.Height}x{second.Width} images.");
        int[] labels = first.Labels.Concat(second.Labels).ToArray();
        if (ReferenceEquals(first.Store, second.Store))
            return new ImageData(first.Store, AllRows(first).Concat(AllRows(second)).ToArray(), labels);

        int size = first.Store.ImageSize;
        long length = (long)labels.Length * size;
        ImageData[] parts = { first, second };
        if (first.Store.Decode is { } decode && second.Store.Decode is { } other && decode.AsSpan().SequenceEqual(other))
        {
            var bytes = new byte[length];
            int image = 0;
            foreach (ImageData part in parts)
            {
                for (int i = 0; i < part.Count; i++, image++)
                    Array.Copy(part.Store.Bytes!, (long)part.StoreRow(i) * size, bytes, (long)image * size, size);
            }

            return new ImageData(ImageStore.FromBytes(bytes, decode, first.Channels, first.Height, first.Width), null, labels);
        }

        var values = new float[length];
        int next = 0;
        foreach (ImageData part in parts)
        {
            for (int i = 0; i < part.Count; i++, next++)
                part.Store.CopyImage(part.StoreRow(i), values.AsSpan(checked(next * size), size));
        }

        return new ImageData(values, labels, first.Channels, first.Height, first.Width);
    }

    /// <summary>Per-channel mean and standard deviation over all pixels of these images (double sums, for stability).</summary>
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
                long offset = ((long)StoreRow(n) * Channels + c) * plane;
                for (int p = 0; p < plane; p++)
                {
                    double v = Store[offset + p];
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

    /// <summary>The values of these images in order, as one float array (a copy).</summary>
    public float[] ToFloats()
    {
        var values = new float[(long)Count * Store.ImageSize];
        for (int i = 0; i < Count; i++)
            Store.CopyImage(StoreRow(i), values.AsSpan(checked(i * Store.ImageSize), Store.ImageSize));
        return values;
    }

    private static IEnumerable<int> AllRows(ImageData data) => data._rows ?? Enumerable.Range(0, data.Store.Count);
}
