namespace Microsoft.ML.ArchitectureSearch.Randomness;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna): a fast generator whose whole state is four numbers, so strategies can save it
/// and continue the exact same sequence after a resume (System.Random's state is not accessible).
/// </summary>
internal sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(int seed)
    {
        // SplitMix64 spreads the seed over the four words, as the authors recommend.
        ulong x = (ulong)(uint)seed ^ 0x6A09E667F3BCC909UL;
        _s0 = SplitMix64.Next(ref x); _s1 = SplitMix64.Next(ref x); _s2 = SplitMix64.Next(ref x); _s3 = SplitMix64.Next(ref x);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="count"/>).</summary>
    public int Next(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count));
        return (int)(NextDouble() * count);
    }

    /// <summary>Index drawn from unnormalised non-negative weights.</summary>
    public int Sample(ReadOnlySpan<float> probabilities)
    {
        double total = 0;
        foreach (float p in probabilities) total += p;
        double u = NextDouble() * total, acc = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            acc += probabilities[i];
            if (u < acc) return i;
        }
        return probabilities.Length - 1;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_s0); writer.Write(_s1); writer.Write(_s2); writer.Write(_s3);
    }

    public void Read(BinaryReader reader)
    {
        _s0 = reader.ReadUInt64(); _s1 = reader.ReadUInt64(); _s2 = reader.ReadUInt64(); _s3 = reader.ReadUInt64();
        if ((_s0 | _s1 | _s2 | _s3) == 0) throw new InvalidDataException("The saved random generator state is all zeros.");
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
