namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// The frame every <see cref="ISharedWeightTrainer"/> state shares: a signature naming the trainer's format and the
/// space's fingerprint, checked before the trainer reads its own fields, and a short stream reported as truncated.
/// Load's `what` names the trainer in errors ("shared-CNN", "shared ENAS cell").
/// </summary>
internal static class SharedTrainingStateFile
{
    public static void Save(Stream stream, string signature, string spaceFingerprint, Action<BinaryWriter> writeFields)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(signature);
        writer.Write(spaceFingerprint);
        writeFields(writer);
    }

    public static void Load(Stream stream, string signature, string spaceFingerprint, string what, Action<BinaryReader> readFields)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != signature)
                throw new InvalidDataException($"The stream is not a saved {what} training state.");
            string fingerprint = reader.ReadString();
            if (fingerprint != spaceFingerprint)
                throw new InvalidDataException(
                    $"The saved {what} state belongs to another search space (fingerprint {UserText.Quote(fingerprint)}, this space {UserText.Quote(spaceFingerprint)}).");
            readFields(reader);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"The saved {what} training state is truncated.");
        }
    }
}
