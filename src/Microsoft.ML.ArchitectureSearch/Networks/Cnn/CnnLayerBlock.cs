using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// One child layer: its operation's convolutions (no bias; see <see cref="CnnOperation"/>), the fixed 2x2 stride-2 max
/// pooling when the space puts a reduction after the layer, BatchNorm, the activation, a pooling operation's 3x3 window,
/// then the layer's own searched pooling if any. The reduction pools before BatchNorm, as airbench does, so that
/// normalisation and activation run on a quarter of the pixels; with ReLU this gives the same map as pooling after the
/// activation, up to BatchNorm's statistics.
/// </summary>
internal sealed class CnnLayerBlock : nn.Module<Tensor, Tensor>
{
    private static readonly long[] Ones = { 1, 1 }, Zeros = { 0, 0 };

    // A convolution's kernel; a separable convolution's pointwise 1x1 (after depthwise); a pooling operation's 1x1.
    private readonly Conv2d conv;
    private readonly Conv2d? depthwise;
    private readonly BatchNorm2d norm;
    private readonly nn.Module<Tensor, Tensor>? pool;
    private readonly CnnPooling poolKind;
    private readonly CnnOperation operation;
    private readonly bool reduce;
    private readonly CnnActivation activation;
    private readonly long inputChannels;
    private readonly long[] stride, padding; // of the first convolution, which carries the layer's stride

    /// <param name="layer">The layer's choices.</param>
    /// <param name="inputChannels">Channels of the joined input.</param>
    /// <param name="reduce">Whether a fixed reduction follows the layer (<see cref="CnnSearchSpaceOptions.ReductionAfterLayers"/>).</param>
    /// <param name="activation">The space's activation.</param>
    public CnnLayerBlock(CnnLayer layer, int inputChannels, bool reduce, CnnActivation activation) : base(nameof(CnnLayerBlock))
    {
        this.reduce = reduce;
        this.activation = activation;
        this.inputChannels = inputChannels;
        poolKind = layer.Pool;
        operation = layer.Operation;
        stride = new long[] { layer.Stride, layer.Stride };
        // Odd kernels (enforced by the space) with padding (k-1)/2 give ceil(size/stride) outputs, as CnnLayout counts; so
        // does a 1x1 kernel without padding.
        padding = operation.IsPooling() ? Zeros : new long[] { (layer.FilterHeight - 1) / 2, (layer.FilterWidth - 1) / 2 };
        switch (operation)
        {
            case CnnOperation.Convolution:
                conv = nn.Conv2d(inputChannels, layer.Filters, (layer.FilterHeight, layer.FilterWidth),
                    stride: (stride[0], stride[1]), padding: (padding[0], padding[1]), bias: false);
                break;
            case CnnOperation.SeparableConvolution:
                depthwise = nn.Conv2d(inputChannels, inputChannels, (layer.FilterHeight, layer.FilterWidth),
                    stride: (stride[0], stride[1]), padding: (padding[0], padding[1]), groups: inputChannels, bias: false);
                conv = nn.Conv2d(inputChannels, layer.Filters, (1, 1), bias: false);
                break;
            case CnnOperation.MaxPool3x3:
            case CnnOperation.AvgPool3x3:
                conv = nn.Conv2d(inputChannels, layer.Filters, (1, 1), stride: (stride[0], stride[1]), bias: false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(layer), layer.Operation, "Unknown CNN operation.");
        }

        norm = nn.BatchNorm2d(layer.Filters);
        pool = layer.Pool switch
        {
            CnnPooling.None => null,
            CnnPooling.Max2x2 => nn.MaxPool2d((2, 2), (2, 2), ceil_mode: true),
            CnnPooling.Avg2x2 => nn.AvgPool2d((2, 2), (2, 2), ceil_mode: true),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Pool, "Unknown pooling kind."),
        };
        RegisterComponents();
    }

    /// <summary>Convolutions in bfloat16 (see <see cref="CnnComputeMode"/>).</summary>
    public bool BFloat16 { get; set; }

    /// <summary>Puts the convolution weights in NHWC (or back in NCHW) order; before an optimizer takes the parameters.</summary>
    public void SetWeightLayout(bool channelsLast)
    {
        if (depthwise is not null)
            ComputeOps.SetWeightLayout(depthwise, channelsLast);
        ComputeOps.SetWeightLayout(conv, channelsLast);
    }

    public override Tensor forward(Tensor input)
    {
        // Each intermediate is disposed as soon as the next op has read it: autograd keeps what backward needs on its
        // own, and in inference the map's memory returns to the allocator at once instead of at the end of the caller's
        // dispose scope (which kept every intermediate of the whole forward pass alive).
        Tensor x;
        if (depthwise is null)
        {
            x = ComputeOps.Conv(conv, input, BFloat16, stride, padding);
        }
        else
        {
            Tensor spatial = ComputeOps.Conv(depthwise, input, BFloat16, stride, padding, inputChannels);
            x = ComputeOps.Conv(conv, spatial, BFloat16, Ones, Zeros).DisposingInput(spatial);
        }

        if (reduce)
            x = FeatureMaps.Halve(x).DisposingInput(x);
        x = norm.forward(x).DisposingInput(x);
        x = Activations.Apply(x, activation).DisposingInput(x);
        if (operation.IsPooling())
            x = OperationWindow.Apply(x, operation).DisposingInput(x);
        return pool is null ? x : pool.forward(x).DisposingInput(x);
    }

    /// <summary><see cref="forward"/> (eval mode) as ONNX nodes named after <paramref name="name"/>.</summary>
    public OnnxMap ExportOnnx(OnnxGraphBuilder onnx, OnnxMap input, string name)
    {
        string first = depthwise is null
            ? onnx.Conv(input.Variable, conv.weight!, null, stride, padding, name + ".conv")
            : onnx.Conv(onnx.Conv(input.Variable, depthwise.weight!, null, stride, padding, name + ".depthwise", inputChannels),
                conv.weight!, null, Ones, Zeros, name + ".conv");
        var x = new OnnxMap(first, (input.Height + stride[0] - 1) / stride[0], (input.Width + stride[1] - 1) / stride[1]);
        if (reduce)
            x = FeatureMaps.ExportHalve(onnx, x, name + ".reduce");
        x = x with { Variable = onnx.BatchNormalization(x.Variable, norm, name + ".norm") };
        x = x with { Variable = Activations.ExportOnnx(onnx, x.Variable, activation, name + ".act") };
        if (operation.IsPooling())
            x = x with { Variable = OperationWindow.ExportOnnx(onnx, x.Variable, operation, name + ".window") };
        return poolKind switch
        {
            CnnPooling.None => x,
            CnnPooling.Max2x2 => new OnnxMap(onnx.Pool("MaxPool", x.Variable, 2, 2, 2, 2, ceilMode: true, name + ".pool"), (x.Height + 1) / 2, (x.Width + 1) / 2),
            // Without padding, ceil mode's clipped edge windows are averaged over their cells inside the map, in both.
            CnnPooling.Avg2x2 => new OnnxMap(onnx.Pool("AveragePool", x.Variable, 2, 2, 2, 2, ceilMode: true, name + ".pool"), (x.Height + 1) / 2, (x.Width + 1) / 2),
            _ => throw new NotSupportedException($"The pooling {poolKind} has no ONNX export."),
        };
    }
}
