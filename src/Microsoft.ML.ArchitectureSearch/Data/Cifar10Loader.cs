using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Data;

/// <summary>One CIFAR-10 image as ML.NET sees it: planar RGB in [0, 1] (ExtractPixels' default layout) and its class name.</summary>
public sealed class Cifar10Image
{
    /// <summary>3 x 32 x 32 pixel values, planar RGB, scaled to [0, 1].</summary>
    [VectorType(Cifar10Files.ImageSize)]
    public float[] Image { get; set; } = Array.Empty<float>();

    /// <summary>The class name (airplane, automobile, ...).</summary>
    public string Label { get; set; } = "";
}

/// <summary>Reads CIFAR-10's binary batches into ML.NET or into a byte store for child trainers.</summary>
public static class Cifar10Loader
{
    /// <summary>Bytes become [0, 1] as ML.NET's ExtractPixels(scaleImage: 1/255) makes them, bit for bit, so a model sees
    /// the same numbers whether its images came from the binary batches or from image files.</summary>
    public const float Scale = 1f / 255;

    /// <summary>
    /// An IDataView with <c>Image</c> (vector&lt;float, 3072&gt;, planar RGB scaled to [0,1]) and <c>Label</c> (class name).
    /// Rows stream from the files on every cursor; nothing but one record at a time is held in memory.
    /// </summary>
    public static IDataView LoadDataView(MLContext ml, string directory, Cifar10Split split, int? maxRecords = null)
    {
        IReadOnlyList<string> files = Cifar10Files.BatchFiles(directory, split);
        IReadOnlyList<string> classes = Cifar10Files.ClassNames(directory);
        return ml.Data.LoadFromEnumerable(new RecordStream(files, classes, maxRecords));
    }

    /// <summary>
    /// The records as the trainers keep them: one byte store (N x 3072 planar bytes, values <c>b * Scale</c> in [0, 1])
    /// straight from the files, labels 0-9, and the class names.
    /// </summary>
    internal static (ImageData Images, IReadOnlyList<string> ClassNames) LoadDense(string directory, Cifar10Split split, int? maxRecords = null)
    {
        IReadOnlyList<string> files = Cifar10Files.BatchFiles(directory, split);
        IReadOnlyList<string> classes = Cifar10Files.ClassNames(directory);
        long available = files.Sum(f => new FileInfo(f).Length / Cifar10Files.RecordSize);
        int count = (int)Math.Min(available, maxRecords ?? long.MaxValue);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(maxRecords), maxRecords, "At least one record must be read.");
        var pixels = new byte[(long)count * Cifar10Files.ImageSize];
        var labels = new int[count];
        int n = 0;
        foreach ((byte label, byte[] record) in ReadRecords(files, count))
        {
            labels[n] = label;
            Array.Copy(record, 1, pixels, (long)n * Cifar10Files.ImageSize, Cifar10Files.ImageSize);
            n++;
        }
        return (new ImageData(ImageStore.FromBytes(pixels, ByteDecodings.TimesOneOver255, 3, 32, 32), null, labels), classes);
    }

    private static IEnumerable<(byte Label, byte[] Record)> ReadRecords(IReadOnlyList<string> files, long limit)
    {
        long produced = 0;
        var record = new byte[Cifar10Files.RecordSize];
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            while (produced < limit)
            {
                int read = stream.ReadAtLeast(record, record.Length, throwOnEndOfStream: false);
                if (read == 0) break;
                if (read != record.Length)
                    throw new InvalidDataException($"CIFAR-10 file '{file}' ends inside a record (it changed while being read).");
                produced++;
                yield return (record[0], record);
            }
        }
    }

    /// <summary>
    /// Re-enumerable: ML.NET opens one enumeration per cursor, each reading the files from the start. An enumeration
    /// yields one reused row object (ML.NET's cursor copies the current row's values out before moving on), so reading
    /// allocates nothing per record.
    /// </summary>
    private sealed class RecordStream(IReadOnlyList<string> files, IReadOnlyList<string> classes, int? maxRecords) : IEnumerable<Cifar10Image>
    {
        public IEnumerator<Cifar10Image> GetEnumerator()
        {
            var row = new Cifar10Image { Image = new float[Cifar10Files.ImageSize] };
            foreach ((byte label, byte[] record) in ReadRecords(files, maxRecords ?? long.MaxValue))
            {
                float[] image = row.Image;
                for (int i = 0; i < image.Length; i++) image[i] = record[i + 1] * Scale;
                row.Label = classes[label];
                yield return row;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
