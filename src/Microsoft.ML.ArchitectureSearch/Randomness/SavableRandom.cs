namespace Microsoft.ML.ArchitectureSearch.Randomness;

/// <summary>
/// A <see cref="Random"/> whose draws come from <see cref="Xoshiro256"/>, so code written against <see cref="Random"/>
/// (shuffles, augmentation) can save where the sequence stands and a resumed run continue it exactly; a seeded
/// System.Random keeps its state private. Every virtual draw is overridden, so no draw reaches the base generator.
/// </summary>
internal sealed class SavableRandom : Random
{
    private readonly Xoshiro256 _source;

    public SavableRandom(int seed) => _source = new Xoshiro256(seed);

    public override int Next() => (int)NextInt64(int.MaxValue);

    public override int Next(int maxValue) => (int)NextInt64(maxValue);

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (int)(minValue + NextInt64((long)maxValue - minValue));
    }

    public override long NextInt64() => NextInt64(long.MaxValue);

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        // The unbiased draw in [0, maxValue): reject the top partial range of 2^64.
        if (maxValue <= 1) return 0;
        ulong range = (ulong)maxValue, limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong x;
        do x = _source.NextUInt64(); while (x >= limit);
        return (long)(x % range);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue + NextInt64(maxValue - minValue);
    }

    public override double NextDouble() => _source.NextDouble();

    public override float NextSingle() => (_source.NextUInt64() >> 40) * (1f / (1 << 24));

    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
            buffer[i] = (byte)(_source.NextUInt64() >> 56);
    }

    protected override double Sample() => _source.NextDouble();

    /// <summary>Writes where the sequence stands.</summary>
    public void Write(BinaryWriter writer) => _source.Write(writer);

    /// <summary>Continues the sequence <see cref="Write"/> saved.</summary>
    public void Read(BinaryReader reader) => _source.Read(reader);
}
