using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// The 3x3 window of the pooling operations (<see cref="CnnOperation.MaxPool3x3"/>, <see cref="CnnOperation.AvgPool3x3"/>):
/// stride 1 and one pixel of padding, so the map keeps its size. The average leaves the padding out of its count
/// (count_include_pad = false, PyTorch's default being true), so an edge pixel is the mean of the pixels that exist, as
/// TensorFlow's "SAME" pooling in ENAS gives; max pooling's padding never wins in either library.
/// </summary>
internal static class OperationWindow
{
    private static readonly long[] Window = { CnnOperationNames.PoolWindow, CnnOperationNames.PoolWindow };
    private static readonly long[] Stride = { 1, 1 };
    private static readonly long[] Padding = { 1, 1 };

    public static Tensor Apply(Tensor x, CnnOperation operation) => operation switch
    {
        CnnOperation.MaxPool3x3 => nn.functional.max_pool2d(x, Window, Stride, Padding),
        CnnOperation.AvgPool3x3 => nn.functional.avg_pool2d(x, Window, Stride, Padding, count_include_pad: false),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a pooling operation."),
    };

    public static string ExportOnnx(OnnxGraphBuilder onnx, string x, CnnOperation operation, string name) => operation switch
    {
        CnnOperation.MaxPool3x3 => onnx.Pool("MaxPool", x, Window[0], Window[1], 1, 1, ceilMode: false, name, padding: 1),
        CnnOperation.AvgPool3x3 => onnx.Pool("AveragePool", x, Window[0], Window[1], 1, 1, ceilMode: false, name, padding: 1),
        _ => throw new NotSupportedException($"The operation {operation} has no pooling window."),
    };
}
