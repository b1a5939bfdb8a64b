using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Tasks;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>
/// The payload header's binary form (inside the model zip): a magic number, a format version, the payload fields, the
/// SHA-256 of the network weights (a separate zip entry) and finally the SHA-256 of everything before it. Both digests
/// are checked on load, so a damaged file fails with a clear message instead of a wrong model or a native crash. The
/// task's own section (label keys, vocabulary) is written and read by its <see cref="TaskDefinition"/>.
/// </summary>
internal static class ModelPayloadSerializer
{
    private const uint Magic = 0x4E534841; // "AHSN"
    // 2: the architecture JSON is the self-describing document (space settings inside), the task writes its own section.
    private const int FormatVersion = 2;
    private const int DigestLength = 32;

    public static byte[] Serialize(ModelPayload payload, byte[] weights)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            SearchedArchitecture a = payload.Architecture;
            writer.Write(a.SearchSpace); writer.Write(a.SpaceFingerprint); writer.Write(a.Hash);
            writer.Write(a.Json); writer.Write(a.Description); writer.Write(a.ParameterCount);
            writer.Write((int)payload.Task);
            ColumnNames c = payload.Columns;
            writer.Write(c.Feature); writer.Write(c.Score); writer.Write(c.PredictedLabel); writer.Write(c.Perplexity); writer.Write(c.PredictedNextWord);
            payload.Data.Write(writer);
            writer.Write(payload.Trials.Count);
            foreach (TrialRecord trial in payload.Trials)
                writer.Write(JsonSerializer.Serialize(trial, CheckpointJson.Options));
            writer.Write(SHA256.HashData(weights));
        }
        byte[] body = stream.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    public static ModelPayload Deserialize(byte[] header, byte[] weights)
    {
        if (header.Length < DigestLength + 8)
            throw Corrupt("its payload header is too short");
        var body = header.AsSpan(0, header.Length - DigestLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(header.AsSpan(header.Length - DigestLength)))
            throw Corrupt("the checksum of its payload header does not match");

        using var reader = new BinaryReader(new MemoryStream(header, 0, body.Length, writable: false));
        try
        {
            if (reader.ReadUInt32() != Magic)
                throw Corrupt("its payload header does not start with the ArchitectureSearch magic number");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"The ArchitectureSearch model uses payload format {version}; this version of the library reads format {FormatVersion} (retrain the model, or load it with the library version that saved it).");
            var architecture = new SearchedArchitecture(reader.ReadString(), reader.ReadString(), reader.ReadString(),
                reader.ReadString(), reader.ReadString(), reader.ReadInt64());
            int task = reader.ReadInt32();
            if (!Enum.IsDefined(typeof(ArchitectureSearchTask), task))
                throw Corrupt($"it names an unknown task {task}");
            var columns = new ColumnNames(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
            TaskModelData data = TaskDefinitions.For((ArchitectureSearchTask)task).ReadModelData(reader);
            IReadOnlyList<TrialRecord> trials = ReadTrials(reader);
            byte[] weightsDigest = reader.ReadBytes(DigestLength);
            if (!SHA256.HashData(weights).AsSpan().SequenceEqual(weightsDigest))
                throw Corrupt("the checksum of its network weights does not match (the weights entry was altered or damaged)");
            if (reader.BaseStream.Position != body.Length)
                throw Corrupt("its payload header has trailing bytes");
            return new ModelPayload(architecture, (ArchitectureSearchTask)task, columns, data, trials);
        }
        catch (EndOfStreamException)
        {
            throw Corrupt("its payload header ends early");
        }
    }

    public static InvalidDataException Corrupt(string what) =>
        new($"The ArchitectureSearch model in the model zip is corrupt: {what}.");

    private static IReadOnlyList<TrialRecord> ReadTrials(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > 10_000_000)
            throw Corrupt($"its search history claims {count} trials");
        var trials = new TrialRecord[count];
        for (int i = 0; i < count; i++)
        {
            try
            {
                trials[i] = JsonSerializer.Deserialize<TrialRecord>(reader.ReadString(), CheckpointJson.Options)
                    ?? throw Corrupt($"search history row {i} is empty");
            }
            catch (JsonException e)
            {
                throw Corrupt($"search history row {i} is not valid ({e.Message})");
            }
        }
        return trials;
    }
}
