namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>String lists (class names, vocabularies) in a model payload: a count (-1 for none), then the strings.</summary>
internal static class PayloadStrings
{
    private const int MaxCount = 100_000_000;

    public static void Write(BinaryWriter writer, IReadOnlyList<string>? values)
    {
        writer.Write(values?.Count ?? -1);
        foreach (string value in values ?? Array.Empty<string>())
            writer.Write(value);
    }

    public static IReadOnlyList<string>? Read(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < -1 || count > MaxCount)
            throw ModelPayloadSerializer.Corrupt($"a string list claims {count} entries");
        if (count == -1)
            return null;
        var values = new string[count];
        for (int i = 0; i < count; i++)
            values[i] = reader.ReadString();
        return values;
    }
}
