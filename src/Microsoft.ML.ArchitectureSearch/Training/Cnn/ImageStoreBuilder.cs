namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// Collects images one at a time into an <see cref="ImageStore"/>: as bytes while every value added so far is, bit for
/// bit, <c>decode[b]</c> for a byte b and one of <see cref="ByteDecodings.Candidates"/> (the same one for all: when a
/// value does not fit the decoding in use, the bytes so far move to another that fits them all, if any); from the
/// first value that fits none, as floats, the bytes so far decoded back to the exact values they stand for. Arbitrary
/// floats are therefore never quantised, and pixels from ExtractPixels or the CIFAR-10 loader take a quarter of the
/// memory. Images are kept in blocks and joined once by <see cref="Build"/>; with the count known in advance there is
/// one block, which becomes the store without a copy.
/// </summary>
internal sealed class ImageStoreBuilder
{
    /// <summary>Values per block (1 MB of bytes), unless one image is larger.</summary>
    private const int BlockValues = 1 << 20;

    private readonly int _channels, _height, _width, _imageSize;
    private readonly int _firstBlockImages;
    private readonly List<Array> _blocks = new();
    private float[]? _decode;
    private bool _floats;
    private int _inLastBlock;

    /// <summary>A builder of Channels x Height x Width images; <paramref name="expectedCount"/> (when known) sizes the first block for all.</summary>
    public ImageStoreBuilder(int channels, int height, int width, long? expectedCount = null)
    {
        _imageSize = ImageStore.SizeOf(channels, height, width);
        (_channels, _height, _width) = (channels, height, width);
        _firstBlockImages = expectedCount is long n && n > 0 && n * _imageSize <= Array.MaxLength
            ? (int)n : Math.Max(1, BlockValues / _imageSize);
    }

    public int Count { get; private set; }

    /// <summary>Adds one image of Channels x Height x Width finite values.</summary>
    public void Add(ReadOnlySpan<float> image)
    {
        if (image.Length != _imageSize)
            throw new ArgumentException($"An image has {_imageSize} values; got {image.Length}.", nameof(image));
        if (Count == 0 && !_floats && !ChooseDecoding(image))
            _floats = true;
        int slot = NextSlot();
        if (!_floats)
        {
            Span<byte> destination = ((byte[])_blocks[^1]).AsSpan(slot * _imageSize, _imageSize);
            if (TryEncode(image, destination, _decode!) || (TrySwitchDecoding(image) && TryEncode(image, destination, _decode!)))
            {
                Commit();
                return;
            }

            SwitchToFloats();
        }

        image.CopyTo(((float[])_blocks[^1]).AsSpan(slot * _imageSize, _imageSize));
        Commit();
    }

    /// <summary>The store of every image added, in order.</summary>
    public ImageStore Build()
    {
        long length = (long)Count * _imageSize;
        Array values;
        if (_blocks.Count == 1 && _blocks[0].LongLength == length)
            values = _blocks[0];
        else
        {
            values = _floats ? new float[length] : new byte[length];
            long offset = 0;
            foreach (Array block in _blocks)
            {
                long take = Math.Min(block.LongLength, length - offset);
                Array.Copy(block, 0, values, offset, take);
                offset += take;
            }
        }

        _blocks.Clear();
        Count = 0;
        return _floats
            ? ImageStore.FromFloats((float[])values, _channels, _height, _width)
            : ImageStore.FromBytes((byte[])values, _decode!, _channels, _height, _width);
    }

    /// <summary>
    /// Writes the bytes whose values are exactly <paramref name="values"/> (bit for bit, so -0 and NaN never pass) into
    /// <paramref name="destination"/>; false at the first value that is no <c>decode[b]</c>. <paramref name="decode"/>
    /// is one of the <see cref="ByteDecodings"/>: increasing from decode[0] = 0, evenly spaced up to float rounding.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<float> values, Span<byte> destination, float[] decode)
    {
        double bytesPerUnit = 255.0 / decode[255];
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            // The nearest byte: for a decoded byte this is within 255 * 2^-23 of it; the table then decides.
            double nearest = value * bytesPerUnit + 0.5;
            if (!(nearest >= 0 && nearest < 256))
                return false;
            int b = (int)nearest;
            if (BitConverter.SingleToInt32Bits(decode[b]) != BitConverter.SingleToInt32Bits(value))
                return false;
            destination[i] = (byte)b;
        }

        return true;
    }

    private bool ChooseDecoding(ReadOnlySpan<float> image)
    {
        var scratch = new byte[_imageSize];
        foreach (float[] decode in ByteDecodings.Candidates)
        {
            if (TryEncode(image, scratch, decode))
            {
                _decode = decode;
                return true;
            }
        }

        return false;
    }

    // The slot of the next image in the last block, adding a block when it is full (or there is none).
    private int NextSlot()
    {
        if (_blocks.Count == 0 || _inLastBlock == _blocks[^1].Length / _imageSize)
        {
            int images = _blocks.Count == 0 ? _firstBlockImages : Math.Max(1, BlockValues / _imageSize);
            _blocks.Add(_floats ? new float[images * _imageSize] : new byte[images * _imageSize]);
            _inLastBlock = 0;
        }

        return _inLastBlock;
    }

    private void Commit()
    {
        _inLastBlock++;
        Count++;
    }

    // Another decoding that gives every value so far and all of image: the bytes so far are rewritten for it.
    private bool TrySwitchDecoding(ReadOnlySpan<float> image)
    {
        var used = new bool[256];
        ForEachStoredByte(span => { foreach (byte b in span) used[b] = true; });
        var scratch = new byte[_imageSize];
        var oneValue = new byte[1];
        foreach (float[] candidate in ByteDecodings.Candidates)
        {
            if (candidate == _decode || !TryEncode(image, scratch, candidate))
                continue;
            var map = new byte[256];
            bool fits = true;
            for (int b = 0; b < 256 && fits; b++)
            {
                fits = !used[b] || TryEncode(new[] { _decode![b] }, oneValue, candidate);
                map[b] = oneValue[0];
            }

            if (!fits)
                continue;
            ForEachStoredByte(span => { for (int i = 0; i < span.Length; i++) span[i] = map[span[i]]; });
            _decode = candidate;
            return true;
        }

        return false;
    }

    // The bytes of the images committed so far, block by block.
    private void ForEachStoredByte(SpanAction action)
    {
        long left = (long)Count * _imageSize;
        foreach (byte[] block in _blocks.Cast<byte[]>())
        {
            int take = (int)Math.Min(block.Length, left);
            action(block.AsSpan(0, take));
            left -= take;
        }
    }

    private delegate void SpanAction(Span<byte> bytes);

    // Decodes every block so far (their values stay exactly what was added) and keeps floats from now on.
    private void SwitchToFloats()
    {
        for (int i = 0; i < _blocks.Count; i++)
        {
            var bytes = (byte[])_blocks[i];
            var floats = new float[bytes.Length];
            for (int p = 0; p < bytes.Length; p++)
                floats[p] = _decode![bytes[p]];
            _blocks[i] = floats;
        }

        _floats = true;
    }
}
