using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
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

    /// <summary><see cref="Concat"/> as ONNX nodes: Pad (zeros at the bottom and right) or max pooling, then Concat.</summary>
    public static OnnxMap ExportConcat(OnnxGraphBuilder onnx, IReadOnlyList<OnnxMap> maps, CnnSkipResize join, string name)
    {
        if (maps.Count == 1)
            return maps[0];
        bool pool = join == CnnSkipResize.PoolToSmallest;
        long height = pool ? maps.Min(m => m.Height) : maps.Max(m => m.Height);
        long width = pool ? maps.Min(m => m.Width) : maps.Max(m => m.Width);
        var resized = new string[maps.Count];
        for (int k = 0; k < maps.Count; k++)
        {
            OnnxMap map = maps[k];
            string part = $"{name}.in{k}";
            if (map.Height == height && map.Width == width)
                resized[k] = map.Variable;
            else if (pool)
                resized[k] = ExportAdaptiveMaxPool(onnx, map, height, width, part);
            else
                resized[k] = onnx.PadBottomRight(map.Variable, height - map.Height, width - map.Width, part + ".pad");
        }

        return new OnnxMap(onnx.Concat(resized, 1, name), height, width);
    }

    /// <summary><see cref="Halve"/> as an ONNX MaxPool.</summary>
    public static OnnxMap ExportHalve(OnnxGraphBuilder onnx, OnnxMap map, string name) =>
        new(onnx.Pool("MaxPool", map.Variable, 2, 2, 2, 2, ceilMode: true, name), (map.Height + 1) / 2, (map.Width + 1) / 2);

    // adaptive_max_pool2d: output cell i of a size-n axis pooled to m covers [floor(i n / m), ceil((i + 1) n / m)). When m
    // divides n that is MaxPool with kernel = stride = n / m; otherwise the windows differ in size, and each axis is
    // pooled on its own (a max over a rectangle is the max over its rows of the max over its columns), one Slice and
    // ReduceMax per output row or column.
    private static string ExportAdaptiveMaxPool(OnnxGraphBuilder onnx, OnnxMap map, long height, long width, string name)
    {
        if (map.Height % height == 0 && map.Width % width == 0)
        {
            long kh = map.Height / height, kw = map.Width / width;
            return onnx.Pool("MaxPool", map.Variable, kh, kw, kh, kw, ceilMode: false, name + ".pool");
        }

        string rows = AdaptiveMaxPoolAxis(onnx, map.Variable, 2, map.Height, height, name + ".rows");
        return AdaptiveMaxPoolAxis(onnx, rows, 3, map.Width, width, name + ".cols");
    }

    private static string AdaptiveMaxPoolAxis(OnnxGraphBuilder onnx, string x, long axis, long from, long to, string name)
    {
        if (from == to)
            return x;
        var cells = new string[to];
        for (long i = 0; i < to; i++)
        {
            long start = i * from / to, end = ((i + 1) * from + to - 1) / to;
            cells[i] = onnx.ReduceMax(onnx.Slice(x, start, end, axis, 1, $"{name}{i}.slice"), axis, $"{name}{i}.max");
        }

        return onnx.Concat(cells, axis, name);
    }
}
