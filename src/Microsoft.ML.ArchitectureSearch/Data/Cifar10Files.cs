namespace Microsoft.ML.ArchitectureSearch.Data;

/// <summary>Which CIFAR-10 records to read.</summary>
public enum Cifar10Split
{
    /// <summary>data_batch_1.bin .. data_batch_5.bin (those present, in order).</summary>
    Train,

    /// <summary>test_batch.bin.</summary>
    Test,
}

/// <summary>
/// Finds and checks the files of CIFAR-10's binary version: <c>data_batch_1..5.bin</c>, <c>test_batch.bin</c> and
/// <c>batches.meta.txt</c>, in the given folder, in its <c>cifar-10-batches-bin</c> subfolder (the layout of the official
/// download), or flat. Every record is 3,073 bytes: one label byte (0-9), then 1,024 red, 1,024 green and 1,024 blue
/// values, each a 32x32 plane in row-major order.
/// </summary>
internal static class Cifar10Files
{
    public const int RecordSize = 1 + ImageSize;
    public const int ImageSize = 3 * 32 * 32;
    public const int ClassCount = 10;

    /// <summary>The folder that holds the batch files.</summary>
    public static string Locate(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"CIFAR-10 folder '{directory}' does not exist.");
        foreach (string candidate in new[] { directory, Path.Combine(directory, "cifar-10-batches-bin"), Path.Combine(directory, "cifar10") })
        {
            if (Directory.Exists(candidate) && (File.Exists(Path.Combine(candidate, "test_batch.bin")) || File.Exists(Path.Combine(candidate, "data_batch_1.bin"))))
                return candidate;
        }
        throw new FileNotFoundException(
            $"No CIFAR-10 binary batches in '{directory}': expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin there or in its cifar-10-batches-bin folder.");
    }

    /// <summary>The batch files of a split, in order; checks that each holds whole records with labels 0-9.</summary>
    public static IReadOnlyList<string> BatchFiles(string directory, Cifar10Split split)
    {
        string folder = Locate(directory);
        string[] names = split == Cifar10Split.Train
            ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray()
            : new[] { "test_batch.bin" };
        string[] files = names.Select(n => Path.Combine(folder, n)).Where(File.Exists).ToArray();
        if (files.Length == 0)
            throw new FileNotFoundException($"CIFAR-10 {split.ToString().ToLowerInvariant()} file {names[0]} is missing in '{folder}'.", Path.Combine(folder, names[0]));
        foreach (string file in files) Check(file);
        return files;
    }

    /// <summary>The 10 class names from batches.meta.txt, in label order.</summary>
    public static IReadOnlyList<string> ClassNames(string directory)
    {
        string path = Path.Combine(Locate(directory), "batches.meta.txt");
        if (!File.Exists(path))
            throw new FileNotFoundException($"CIFAR-10 class names file '{path}' is missing.", path);
        string[] names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != ClassCount)
            throw new InvalidDataException($"CIFAR-10 class names file '{path}' lists {names.Length} classes; expected {ClassCount}.");
        if (names.Distinct(StringComparer.Ordinal).Count() != ClassCount)
            throw new InvalidDataException($"CIFAR-10 class names file '{path}' repeats a class name.");
        return names;
    }

    private static void Check(string file)
    {
        long length = new FileInfo(file).Length;
        if (length == 0 || length % RecordSize != 0)
            throw new InvalidDataException($"CIFAR-10 file '{file}' has {length:N0} bytes, which is not a whole number of {RecordSize}-byte records.");
        using var stream = File.OpenRead(file);
        long records = length / RecordSize;
        for (long r = 0; r < records; r++)
        {
            stream.Position = r * RecordSize;
            int label = stream.ReadByte();
            if (label > 9)
                throw new InvalidDataException($"CIFAR-10 file '{file}', record {r}: label byte {label} is not a class 0-9.");
        }
    }
}
