namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>
/// The header every strategy state starts with: a signature, a version, the strategy's name and its space's fingerprint,
/// so that a state is never loaded into another strategy or space.
/// </summary>
internal static class StrategyStateFormat
{
    private const string Signature = "NAS-STRATEGY";

    /// <summary>
    /// Bumped whenever any strategy's layout changes. 2: the REINFORCE controller's weights and Adam state are written in
    /// TorchSharp's formats (they were raw floats of a hand-written Adam in 1). 3: strategies draw only the tokens the
    /// space allows (ISearchSpace.AllowedChoices), so in a space that refuses tokens (the recurrent cell's memory node) a
    /// version-2 state would continue another sequence than the run that wrote it, and Reinforce's pending results could
    /// hold a sequence the masked controller gives probability 0. The layout itself is unchanged.
    /// </summary>
    private const int Version = 3;

    public static BinaryWriter BeginWrite(Stream stream, ISearchStrategy strategy)
    {
        var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Signature);
        writer.Write(Version);
        writer.Write(strategy.Name);
        writer.Write(strategy.Space.Fingerprint);
        return writer;
    }

    public static BinaryReader BeginRead(Stream stream, ISearchStrategy strategy)
    {
        var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != Signature)
                throw new InvalidDataException("The stream is not a saved search-strategy state.");
            int version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException(
                    $"The saved strategy state has format version {version}, but this version of the library reads only format version {Version}, " +
                    "so the search cannot resume from it. Start the search again in a new checkpoint directory, or resume it with the library version that wrote it.");
            string name = reader.ReadString();
            if (name != strategy.Name)
                throw new InvalidDataException($"The saved state belongs to strategy {UserText.Quote(name)}, not '{strategy.Name}'.");
            string fingerprint = reader.ReadString();
            if (fingerprint != strategy.Space.Fingerprint)
                throw new InvalidDataException(
                    $"The saved strategy state was made for another search space (fingerprint {UserText.Quote(fingerprint)}, this space {UserText.Quote(strategy.Space.Fingerprint)}).");
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("The saved strategy state is truncated.");
        }
        return reader;
    }

    /// <summary>Runs <paramref name="read"/>, turning a short or garbled stream into a clear error.</summary>
    public static void ReadBody(Action read)
    {
        try
        {
            read();
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("The saved strategy state is truncated.");
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException("The saved strategy state is corrupt: " + e.Message, e);
        }
    }

    public static void WriteTokens(BinaryWriter writer, IReadOnlyList<int> tokens)
    {
        writer.Write(tokens.Count);
        foreach (int t in tokens) writer.Write(t);
    }

    public static int[] ReadTokens(BinaryReader reader, ISearchStrategy strategy)
    {
        int count = reader.ReadInt32();
        if (count != strategy.Space.Steps.Count)
            throw new InvalidDataException($"The saved strategy state holds a proposal of {count} tokens; the space has {strategy.Space.Steps.Count} steps.");
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = reader.ReadInt32();
        return tokens;
    }
}
