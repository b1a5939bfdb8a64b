namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// The one in-memory copy of a data set's pixels: <see cref="Count"/> images of Channels x Height x Width, planar (all of
/// channel 0, then channel 1, ...), row-major. Held as <see cref="Bytes"/> (one byte per value) when every value is one
/// of 256 floats, <see cref="Decode"/>[b], computed the way ML.NET's ExtractPixels and the CIFAR-10 loader compute
/// pixels (see <see cref="ByteDecodings"/>); otherwise as the float values themselves (<see cref="Floats"/>). Splits,
/// subsets and concatenations are <see cref="ImageData"/> row lists over a store, never copies of it.
/// </summary>
internal sealed class ImageStore
{
    private ImageStore(byte[]? bytes, float[]? decode, float[]? floats, int channels, int height, int width)
    {
        ImageSize = SizeOf(channels, height, width);
        (Bytes, Decode, Floats) = (bytes, decode, floats);
        (Channels, Height, Width) = (channels, height, width);
        long length = bytes?.LongLength ?? floats!.LongLength;
        if (length % ImageSize != 0)
            throw new ArgumentException($"{length} pixel values are not a whole number of {channels}x{height}x{width} images.");
        Count = checked((int)(length / ImageSize));
    }

    /// <summary>Bytes standing for <c>decode[b]</c> (256 finite values); the array becomes the store (not copied).</summary>
    public static ImageStore FromBytes(byte[] bytes, float[] decode, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(decode);
        if (decode.Length != 256 || !decode.All(float.IsFinite))
            throw new ArgumentException("A byte decoding is 256 finite values.", nameof(decode));
        return new ImageStore(bytes, decode, null, channels, height, width);
    }

    /// <summary>Float values, which must be finite; the array becomes the store (not copied).</summary>
    public static ImageStore FromFloats(float[] values, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(values);
        var store = new ImageStore(null, null, values, channels, height, width);
        for (long p = 0; p < values.LongLength; p++)
        {
            if (!float.IsFinite(values[p]))
                throw new ArgumentException($"Pixel value {values[p]} of image {p / store.ImageSize} is not a finite number.", nameof(values));
        }

        return store;
    }

    /// <summary>The values as bytes (standing for <see cref="Decode"/>[b]), or null when the store holds floats.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The value of each byte (256 entries), or null when the store holds floats.</summary>
    public float[]? Decode { get; }

    /// <summary>The values, or null when the store holds bytes.</summary>
    public float[]? Floats { get; }

    public int Count { get; }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Values per image (Channels x Height x Width).</summary>
    public int ImageSize { get; }

    /// <summary>The value at <paramref name="index"/> (image-major, then planar) exactly as the data had it.</summary>
    public float this[long index] => Decode is not null ? Decode[Bytes![index]] : Floats![index];

    /// <summary>Values per image of <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/>, a positive shape.</summary>
    public static int SizeOf(int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"Image shape must be positive; got {channels}x{height}x{width}.");
        return checked(channels * height * width);
    }

    /// <summary>Writes the values of image <paramref name="image"/> into <paramref name="destination"/>.</summary>
    public void CopyImage(int image, Span<float> destination)
    {
        int start = checked(image * ImageSize);
        if (Floats is not null)
        {
            Floats.AsSpan(start, ImageSize).CopyTo(destination);
            return;
        }

        ReadOnlySpan<byte> bytes = Bytes.AsSpan(start, ImageSize);
        for (int i = 0; i < bytes.Length; i++)
            destination[i] = Decode![bytes[i]];
    }
}

/// <summary>
/// The byte decodings a store may use: each is the float value of the 256 byte values, computed with the float
/// arithmetic of the code that makes such pixels, so a value read from data is either exactly one of them or not.
/// </summary>
internal static class ByteDecodings
{
    /// <summary><c>(float)b * (1f / 255)</c>: ExtractPixels(scaleImage: 1f / 255), which computes <c>(b - 0f) * scale</c>,
    /// and the CIFAR-10 loader (<c>b * Cifar10Loader.Scale</c>).</summary>
    public static readonly float[] TimesOneOver255 = Table(b => b * (1f / 255));

    /// <summary><c>(float)b / 255f</c>: pixels divided by 255 by hand (126 of the 256 values differ from the above).</summary>
    public static readonly float[] Over255 = Table(b => b / 255f);

    /// <summary><c>(float)b</c>: ExtractPixels without scaling (its default), values 0..255.</summary>
    public static readonly float[] Unscaled = Table(b => b);

    /// <summary>Tried in this order by <see cref="ImageStoreBuilder"/>.</summary>
    public static readonly IReadOnlyList<float[]> Candidates = new[] { TimesOneOver255, Over255, Unscaled };

    private static float[] Table(Func<int, float> value) => Enumerable.Range(0, 256).Select(value).ToArray();
}
