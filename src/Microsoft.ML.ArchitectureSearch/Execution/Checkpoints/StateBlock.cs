namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// One part of a saved state written as a length-prefixed block, so that a reader takes the whole part before decoding
/// it: a stream that ends inside the part is reported as truncated before anything is loaded from it.
/// </summary>
internal static class StateBlock
{
    public static void Write(BinaryWriter writer, Action<Stream> write)
    {
        using var block = new MemoryStream();
        write(block);
        writer.Write(checked((int)block.Length));
        writer.Write(block.GetBuffer(), 0, (int)block.Length);
    }

    /// <summary>The next block's bytes; <paramref name="what"/> names the part in errors. A short stream throws <see cref="EndOfStreamException"/>.</summary>
    public static byte[] Read(BinaryReader reader, string what)
    {
        int length = reader.ReadInt32();
        if (length < 0) throw new InvalidDataException($"The saved {what} state claims {length} bytes.");
        byte[] bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }
}
