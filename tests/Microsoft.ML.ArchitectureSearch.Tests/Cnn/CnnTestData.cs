using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>Small data for CNN tests: the repo's CIFAR-10 subsets, decoded here, and a synthetic learnable set.</summary>
internal static class CnnTestData
{
    private const int RecordBytes = 1 + 3 * 32 * 32;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ArchitectureSearch.sln")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException("No folder above the test binaries holds ArchitectureSearch.sln.");
    }

    /// <summary>The first <paramref name="count"/> records of a CIFAR-10 binary batch under testdata/cifar10.</summary>
    public static DenseImageData Cifar(string fileName, int count)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoRoot(), "testdata", "cifar10", fileName));
        Assert.True(bytes.Length >= count * RecordBytes, $"{fileName} holds fewer than {count} records");
        var pixels = new float[count * 3072];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = bytes[n * RecordBytes];
            for (int p = 0; p < 3072; p++)
                pixels[n * 3072 + p] = bytes[n * RecordBytes + 1 + p] / 255f;
        }

        return new DenseImageData(pixels, labels, 3, 32, 32);
    }

    /// <summary>
    /// Two classes of noisy 3 x size x size images: class 1 is brighter in channel 0 on the left half. Learnable by a
    /// tiny network in a few steps, so training tests see real progress.
    /// </summary>
    public static DenseImageData Synthetic(int count, int size, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * 3 * size * size];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            labels[n] = n % 2;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < size; y++)
                {
                    for (int x = 0; x < size; x++)
                    {
                        float signal = labels[n] == 1 && c == 0 && x < size / 2 ? 0.4f : 0f;
                        pixels[((n * 3 + c) * size + y) * size + x] = Math.Clamp(0.3f + signal + 0.2f * (float)random.NextDouble(), 0f, 1f);
                    }
                }
            }
        }

        return new DenseImageData(pixels, labels, 3, size, size);
    }
}
