using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>Small synthetic data for CNN tests (the CIFAR-10 subsets come through Cifar10Loader, itself tested against raw bytes).</summary>
internal static class CnnTestData
{
    /// <summary>
    /// Two classes of noisy 3 x size x size images: class 1 is brighter in channel 0 on the left half. Learnable by a
    /// tiny network in a few steps, so training tests see real progress.
    /// </summary>
    public static ImageData Synthetic(int count, int size, int seed)
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

        return new ImageData(pixels, labels, 3, size, size);
    }
}
