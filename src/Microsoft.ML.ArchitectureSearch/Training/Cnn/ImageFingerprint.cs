using System.Security.Cryptography;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// The digest of a training's images (training and validation splits): a search checkpoint, a worker's copy of the rows
/// and a CNN's epoch checkpoint are refused on other images. It reads every pixel, so callers compute it only when needed.
/// </summary>
internal static class ImageFingerprint
{
    public static string Of(ImageData train, ImageData validation) => DataFingerprint.Of("images", hash =>
    {
        AppendImages(hash, train);
        AppendImages(hash, validation);
    });

    // The bytes the float values and the labels would give as two arrays, whether the store holds bytes or floats.
    private static void AppendImages(IncrementalHash hash, ImageData data)
    {
        DataFingerprint.AppendLength(hash, (long)data.Count * data.Store.ImageSize);
        var image = new float[data.Store.ImageSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.Store.CopyImage(data.StoreRow(i), image);
            DataFingerprint.AppendValues(hash, image);
        }

        DataFingerprint.Append(hash, data.Labels);
    }
}
