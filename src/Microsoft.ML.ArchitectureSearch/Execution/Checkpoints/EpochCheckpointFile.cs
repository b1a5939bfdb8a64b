namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// The frame every trainer's epoch checkpoint (ChildTrainingSettings.EpochCheckpointPath) shares: written atomically
/// (a kill leaves the last complete epoch), it starts with a signature carrying the format's number and with the
/// training's identity, both checked before any state is read, so that a file of another format or of another training
/// is refused as such rather than read into the wrong fields; a short file is reported as truncated, a long one as such.
/// </summary>
internal sealed class EpochCheckpointFile
{
    private readonly string _kind;
    private readonly string _signaturePrefix;
    private readonly string _signature;

    /// <param name="kind">What trains, in messages and in the signature ("language model", "CNN").</param>
    /// <param name="format">The layout's number: raised whenever the layout changes.</param>
    public EpochCheckpointFile(string kind, int format)
    {
        _kind = kind;
        _signaturePrefix = kind + " epoch checkpoint ";
        _signature = _signaturePrefix + format.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Replaces the file at <paramref name="path"/> by the signature, the identity and what <paramref name="writeState"/> writes.</summary>
    public void Save(string path, string identity, Action<BinaryWriter> writeState) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(_signature);
        writer.Write(identity);
        writeState(writer);
    });

    /// <summary>
    /// What <paramref name="readState"/> reads after the signature and the identity were checked, or null when there is
    /// no file. The reader must consume the whole rest of the file.
    /// </summary>
    public T? Load<T>(string path, string identity, Func<BinaryReader, T> readState) where T : class
    {
        if (!File.Exists(path))
            return null;
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8);
        try
        {
            string signature = reader.ReadString();
            if (signature != _signature)
                throw new InvalidDataException(signature.StartsWith(_signaturePrefix, StringComparison.Ordinal)
                    ? $"The epoch checkpoint {UserText.Quote(path)} has format {UserText.Quote(signature[_signaturePrefix.Length..])}; this version reads format " +
                      $"{UserText.Quote(_signature[_signaturePrefix.Length..])}. Finish that training with the version that wrote it, or delete the file."
                    : $"{UserText.Quote(path)} is not a {_kind}'s epoch checkpoint.");
            string saved = reader.ReadString();
            if (saved != identity)
                throw new InvalidDataException(
                    $"The epoch checkpoint {UserText.Quote(path)} belongs to another training ({saved}); this training is {identity}. Delete it or give another path.");
            T state = readState(reader);
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} holds {stream.Length - stream.Position} bytes more than a checkpoint has.");
            return state;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"The epoch checkpoint {UserText.Quote(path)} is truncated.");
        }
    }

    /// <summary>Writes per-epoch values with their count.</summary>
    public static void WriteList(BinaryWriter writer, IReadOnlyList<double> values)
    {
        writer.Write(values.Count);
        foreach (double v in values)
            writer.Write(v);
    }

    /// <summary>Reads values <see cref="WriteList"/> wrote, which must be one per epoch done.</summary>
    public static double[] ReadList(BinaryReader reader, int expected)
    {
        int count = reader.ReadInt32();
        if (count != expected)
            throw new InvalidDataException($"An epoch checkpoint of {expected} epochs lists {count} values per epoch.");
        return Enumerable.Range(0, count).Select(_ => reader.ReadDouble()).ToArray();
    }
}
