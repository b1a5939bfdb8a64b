using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>Joins and reduces feature maps the way <see cref="SearchSpaces.Cnn.CnnLayout"/> counts them.</summary>
internal static class FeatureMaps
{
    /// <summary>
    /// Concatenates [N, C_k, H_k, W_k] maps along channels after bringing them to one size as <paramref name="join"/>
    /// says. <see cref="CnnSkipResize.PadToLargest"/> zero-pads each at the bottom and on the right to the largest H
    /// and W: padding there (not centred) keeps pixel (0,0) of every map aligned with the image's corner, which is where
    /// strided "same" convolutions and ceil-mode pooling anchor their outputs. <see cref="CnnSkipResize.PoolToSmallest"/>
    /// max-pools each larger map adaptively to the smallest H and W.
    /// </summary>
    public static Tensor Concat(IReadOnlyList<Tensor> maps, CnnSkipResize join)
    {
        if (maps.Count == 1)
            return maps[0];
        bool pool = join == CnnSkipResize.PoolToSmallest;
        long height = pool ? maps.Min(m => m.shape[2]) : maps.Max(m => m.shape[2]);
        long width = pool ? maps.Min(m => m.shape[3]) : maps.Max(m => m.shape[3]);
        var resized = new Tensor[maps.Count];
        for (int k = 0; k < maps.Count; k++)
        {
            Tensor map = maps[k];
            if (map.shape[2] == height && map.shape[3] == width)
                resized[k] = map;
            else if (pool)
                resized[k] = nn.functional.adaptive_max_pool2d(map, new[] { height, width });
            else // functional.pad takes (left, right, top, bottom) for the last two dimensions.
                resized[k] = nn.functional.pad(map, new[] { 0L, width - map.shape[3], 0L, height - map.shape[2] });
        }

        Tensor joined = cat(resized, 1);
        for (int k = 0; k < maps.Count; k++)
            if (!ReferenceEquals(resized[k], maps[k]))
                resized[k].Dispose(); // the resized copies die here; the maps belong to the caller
        return joined;
    }

    /// <summary>The fixed reduction: 2x2 max pooling with stride 2 in ceil mode (an H x W map becomes ceil(H/2) x ceil(W/2)).</summary>
    public static Tensor Halve(Tensor map) =>
        nn.functional.max_pool2d(map, new long[] { 2, 2 }, new long[] { 2, 2 }, ceil_mode: true);
}
