using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// An image search's children as a remote worker trains them. The data are written image by image in row order (the
/// order the trainer sees), as bytes with their 256-value decoding when the store holds bytes, else as floats, so the
/// worker's images have exactly the coordinator's values (and so its fingerprint).
/// </summary>
internal static class ImageWorkload
{
    /// <summary>First string of the data file; a new layout gets a new version.</summary>
    public const string DataKind = "images/1";

    public static ChildWorkload Create(CnnSearchSpace space, CnnTrainingOptions training, ImageData train, ImageData validation, string fingerprint)
    {
        var settings = new WorkloadSettings
        {
            Task = DataKind, SpaceFingerprint = space.Fingerprint, ConvolutionalSpace = space.Options, ImageTraining = training,
        };
        return new ChildWorkload(fingerprint, JsonSerializer.Serialize(settings, CheckpointJson.Options), lowerMetricIsBetter: false, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(DataKind);
            writer.Write(train.Channels); writer.Write(train.Height); writer.Write(train.Width);
            Write(writer, train);
            Write(writer, validation);
        });
    }

    public static WorkerData ReadData(BinaryReader reader, string path)
    {
        try
        {
            int channels = reader.ReadInt32(), height = reader.ReadInt32(), width = reader.ReadInt32();
            if (channels < 1 || height < 1 || width < 1 || (long)channels * height * width > int.MaxValue)
                throw new InvalidDataException($"Data file {path} describes {channels}x{height}x{width} images.");
            ImageData train = Read(reader, channels, height, width, path);
            ImageData validation = Read(reader, channels, height, width, path);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
                throw new InvalidDataException($"Data file {path} has {reader.BaseStream.Length - reader.BaseStream.Position} bytes after its images.");
            return new ImageWorkerData(train, validation);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Data file {path} is truncated.");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Data file {path} holds invalid images: {e.Message}", e);
        }
    }

    private static void Write(BinaryWriter writer, ImageData data)
    {
        writer.Write(data.Count);
        writer.Write(MemoryMarshal.AsBytes(data.Labels.AsSpan()));
        int size = data.Store.ImageSize;
        if (data.Store.Decode is { } decode)
        {
            writer.Write(true);
            writer.Write(MemoryMarshal.AsBytes(decode.AsSpan()));
            for (int i = 0; i < data.Count; i++)
                writer.Write(data.Store.Bytes!, data.StoreRow(i) * size, size);
        }
        else
        {
            writer.Write(false);
            var image = new float[size];
            for (int i = 0; i < data.Count; i++)
            {
                data.Store.CopyImage(data.StoreRow(i), image);
                writer.Write(MemoryMarshal.AsBytes(image.AsSpan()));
            }
        }
    }

    private static ImageData Read(BinaryReader reader, int channels, int height, int width, string path)
    {
        int count = reader.ReadInt32();
        if (count < 1)
            throw new InvalidDataException($"Data file {path} holds a part of {count} images.");
        int[] labels = ReadArray<int>(reader, count);
        long values = (long)count * ImageStore.SizeOf(channels, height, width);
        ImageStore store;
        if (reader.ReadBoolean())
        {
            float[] decode = ReadArray<float>(reader, 256); // written before the bytes
            store = ImageStore.FromBytes(ReadBytes(reader, values), decode, channels, height, width);
        }
        else
        {
            store = ImageStore.FromFloats(ReadArray<float>(reader, values), channels, height, width);
        }
        return new ImageData(store, null, labels);
    }

    private static T[] ReadArray<T>(BinaryReader reader, long count) where T : unmanaged
    {
        var array = new T[count];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }

    private static byte[] ReadBytes(BinaryReader reader, long count)
    {
        var bytes = new byte[count];
        reader.BaseStream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The images a worker received; one CNN trainer per settings text (a search's children share it).</summary>
    private sealed class ImageWorkerData(ImageData train, ImageData validation) : WorkerData
    {
        public override string Fingerprint { get; } = ImageFingerprint.Of(train, validation);

        public override (ISearchSpace Space, IChildTrainer Trainer) CreateTrainer(string settings)
        {
            WorkloadSettings s = ReadSettings(settings);
            if (s.Task != DataKind || s.ConvolutionalSpace is null || s.ImageTraining is null)
                throw new InvalidDataException($"The workload settings are for '{s.Task}', not for the images this worker holds.");
            var space = new CnnSearchSpace(s.ConvolutionalSpace);
            if (space.Fingerprint != s.SpaceFingerprint)
                throw new InvalidDataException($"The worker rebuilt search space '{space.Fingerprint}' from the settings, not the coordinator's '{s.SpaceFingerprint}'.");
            return (space, new CnnChildTrainer(train, validation, null, s.ImageTraining));
        }
    }
}
