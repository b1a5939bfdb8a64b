using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// One child layer: conv ("same" padding, given stride, no bias) then BatchNorm, ReLU, optional pooling and, when the
/// space puts a fixed reduction after the layer, a 2x2 max pooling with stride 2.
/// </summary>
internal sealed class CnnLayerBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d norm;
    private readonly nn.Module<Tensor, Tensor>? pool;
    private readonly bool reduce;

    /// <param name="layer">The layer's choices.</param>
    /// <param name="inputChannels">Channels of the joined input.</param>
    /// <param name="reduce">Whether a fixed reduction follows the layer (<see cref="CnnSearchSpaceOptions.ReductionAfterLayers"/>).</param>
    public CnnLayerBlock(CnnLayer layer, int inputChannels, bool reduce) : base(nameof(CnnLayerBlock))
    {
        this.reduce = reduce;
        // Odd kernels (enforced by the space) with padding (k-1)/2 give ceil(size/stride) outputs, as CnnLayout counts.
        conv = nn.Conv2d(inputChannels, layer.Filters, (layer.FilterHeight, layer.FilterWidth),
            stride: (layer.Stride, layer.Stride),
            padding: ((layer.FilterHeight - 1) / 2, (layer.FilterWidth - 1) / 2),
            bias: false);
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

    public override Tensor forward(Tensor input)
    {
        Tensor x = nn.functional.relu(norm.forward(conv.forward(input)));
        if (pool is not null)
            x = pool.forward(x);
        return reduce ? FeatureMaps.Halve(x) : x;
    }
}
