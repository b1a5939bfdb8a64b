using System.Text;
using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.Distribution;

/// <summary>
/// A search's rows as a worker holds them, read from the bytes <see cref="ChildWorkload.WriteData"/> wrote and checked
/// against the fingerprint they were sent under: a worker never trains on data other than the coordinator's.
/// </summary>
internal abstract class WorkerData
{
    /// <summary>Reads <paramref name="path"/> and recomputes its fingerprint; throws <see cref="InvalidDataException"/>
    /// when it is not <paramref name="expectedFingerprint"/> or the file is not workload data.</summary>
    public static WorkerData Load(string path, string expectedFingerprint)
    {
        WorkerData data;
        using (FileStream stream = File.OpenRead(path))
        using (var reader = new BinaryReader(stream, Encoding.UTF8))
        {
            string kind;
            try
            {
                kind = reader.ReadString();
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"Data file {path} is empty or truncated.");
            }
            data = kind switch
            {
                ImageWorkload.DataKind => ImageWorkload.ReadData(reader, path),
                _ => throw new InvalidDataException($"Data file {path} holds '{kind}', not search data this worker can read."),
            };
        }
        if (data.Fingerprint != expectedFingerprint)
            throw new InvalidDataException(
                $"Data refused: it was sent as '{expectedFingerprint}' but its content has fingerprint '{data.Fingerprint}'. " +
                "The coordinator's rows and the rows this worker received differ.");
        return data;
    }

    /// <summary>The fingerprint of the rows as read (the same digest the search's checkpoint stores).</summary>
    public abstract string Fingerprint { get; }

    /// <summary>
    /// A trainer on these rows with the workload's settings, and the space its architectures belong to. Throws
    /// <see cref="InvalidDataException"/> when the settings are for another task or rebuild a different space.
    /// </summary>
    public abstract (ISearchSpace Space, IChildTrainer Trainer) CreateTrainer(string settings);

    /// <summary>Reads the settings JSON; names what is wrong when it is not a workload's settings.</summary>
    protected static WorkloadSettings ReadSettings(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<WorkloadSettings>(json, CheckpointJson.Options)
                ?? throw new InvalidDataException("The workload settings are empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The workload settings are not valid: " + e.Message, e);
        }
    }
}
