using Microsoft.ML.Data;

namespace Examples.OnnxScoring;

/// <summary>One CIFAR-10 image as the exported pipeline reads it: 3072 floats in [0, 1] (planar R, G, B) and its class name.</summary>
public sealed class CifarImage
{
    [VectorType(3 * 32 * 32)]
    public float[] Image { get; set; } = Array.Empty<float>();

    public string Label { get; set; } = "";
}

/// <summary>
/// Reads CIFAR-10's binary format (each record: 1 label byte, then 1024 R, 1024 G, 1024 B bytes) with the class
/// names of batches.meta.txt. Written here because this sample references no part of the library that trained the model.
/// </summary>
public static class CifarImages
{
    public static CifarImage[] Read(string directory, string batch = "test_batch.bin")
    {
        string[] classNames = File.ReadAllLines(Path.Combine(directory, "batches.meta.txt")).Where(l => l.Length > 0).ToArray();
        byte[] bytes = File.ReadAllBytes(Path.Combine(directory, batch));
        const int pixels = 3 * 32 * 32, record = 1 + pixels;
        if (bytes.Length == 0 || bytes.Length % record != 0)
            throw new InvalidDataException($"{batch} is not a whole number of {record}-byte CIFAR-10 records.");
        var images = new CifarImage[bytes.Length / record];
        for (int r = 0; r < images.Length; r++)
        {
            int label = bytes[r * record];
            if (label >= classNames.Length)
                throw new InvalidDataException($"Record {r} of {batch} has label {label}; batches.meta.txt names {classNames.Length} classes.");
            images[r] = new CifarImage
            {
                Image = bytes.AsSpan(r * record + 1, pixels).ToArray().Select(b => b / 255f).ToArray(),
                Label = classNames[label],
            };
        }
        return images;
    }
}
