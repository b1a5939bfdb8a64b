using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>Joins feature maps of different sizes the way <see cref="SearchSpaces.Cnn.CnnLayout"/> counts them.</summary>
internal static class FeatureMaps
{
    /// <summary>
    /// Concatenates [N, C_k, H_k, W_k] maps along channels after zero-padding each at the bottom and on the right to
    /// the largest H and W. Padding there (not centred) keeps pixel (0,0) of every map aligned with the image's corner,
    /// which is where strided "same" convolutions and ceil-mode pooling anchor their outputs.
    /// </summary>
    public static Tensor ConcatPadded(IReadOnlyList<Tensor> maps)
    {
        if (maps.Count == 1)
            return maps[0];
        long height = maps.Max(m => m.shape[2]);
        long width = maps.Max(m => m.shape[3]);
        var padded = new Tensor[maps.Count];
        for (int k = 0; k < maps.Count; k++)
        {
            Tensor map = maps[k];
            long padBottom = height - map.shape[2], padRight = width - map.shape[3];
            // functional.pad takes (left, right, top, bottom) for the last two dimensions.
            padded[k] = padBottom == 0 && padRight == 0 ? map : nn.functional.pad(map, new[] { 0L, padRight, 0L, padBottom });
        }

        return cat(padded, 1);
    }
}
