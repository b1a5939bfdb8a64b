using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// One layer of a <see cref="SharedCnn"/>: a <see cref="SharedKernelBranch"/> per (filter height, filter width) choice of
/// the space. It computes what <see cref="CnnLayerBlock"/> computes for the chosen layer, with the weights sliced out of
/// the chosen branch: conv, the fixed reduction if the space has one after this layer, batch norm, the activation, the
/// layer's searched pooling.
/// </summary>
internal sealed class SharedCnnLayer : nn.Module
{
    private readonly ModuleList<SharedKernelBranch> branches = new();
    private readonly bool reduce;
    private readonly CnnActivation activation;

    /// <param name="options">The space.</param>
    /// <param name="index">The layer's index.</param>
    /// <param name="inputChannels">Channels of the bank's input axis: the image's, then every earlier layer's largest filter count.</param>
    /// <param name="filters">The layer's largest filter count.</param>
    /// <param name="oneInputChannels">Channels of a typical single input, which sets the initial weights' fan-in.</param>
    /// <param name="generator">Draws the initial weights.</param>
    public SharedCnnLayer(CnnSearchSpaceOptions options, int index, int inputChannels, int filters, int oneInputChannels, Generator generator)
        : base(nameof(SharedCnnLayer))
    {
        reduce = options.ReducesAfter(index);
        activation = options.Activation;
        foreach (int height in options.FilterHeights)
            foreach (int width in options.FilterWidths)
                branches.Add(new SharedKernelBranch(inputChannels, filters, height, width, oneInputChannels, generator));
        RegisterComponents();
    }

    /// <summary>The layer's output map for the child's <paramref name="layer"/> choices.</summary>
    /// <param name="input">The joined input (or the image at the layer's stage).</param>
    /// <param name="layer">The child's layer.</param>
    /// <param name="kernel">Index of the layer's (height, width) pair.</param>
    /// <param name="blocks">(offset, channels) of each joined input's block in the bank's input axis.</param>
    public Tensor forward(Tensor input, CnnLayer layer, int kernel, IReadOnlyList<(int Offset, int Channels)> blocks)
    {
        SharedKernelBranch branch = branches[kernel];
        using Tensor weight = branch.Weight(layer.Filters, blocks);
        long[] stride = { layer.Stride, layer.Stride };
        long[] padding = { (layer.FilterHeight - 1) / 2, (layer.FilterWidth - 1) / 2 };
        Tensor x = nn.functional.conv2d(input, weight, null, stride, padding);
        if (reduce)
            x = FeatureMaps.Halve(x).DisposingInput(x);
        x = branch.Normalize(x, layer.Filters).DisposingInput(x);
        x = Activations.Apply(x, activation).DisposingInput(x);
        return layer.Pool switch
        {
            CnnPooling.None => x,
            CnnPooling.Max2x2 => nn.functional.max_pool2d(x, new long[] { 2, 2 }, new long[] { 2, 2 }, ceil_mode: true).DisposingInput(x),
            CnnPooling.Avg2x2 => nn.functional.avg_pool2d(x, new long[] { 2, 2 }, new long[] { 2, 2 }, ceil_mode: true).DisposingInput(x),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Pool, "Unknown pooling kind."),
        };
    }

    /// <summary>The convolution weight (a new tensor) and the batch norm the child's layer uses.</summary>
    public (Tensor Weight, BatchNorm2d Norm) Slices(CnnLayer layer, int kernel, IReadOnlyList<(int Offset, int Channels)> blocks) =>
        (branches[kernel].Weight(layer.Filters, blocks), branches[kernel].Norm);
}

/// <summary>The weights of one kernel choice of a shared layer: a convolution bank and its batch norm.</summary>
internal sealed class SharedKernelBranch : nn.Module
{
    private readonly Parameter weight;
    private readonly BatchNorm2d norm;

    public SharedKernelBranch(int inputChannels, int filters, int height, int width, int oneInputChannels, Generator generator)
        : base(nameof(SharedKernelBranch))
    {
        weight = new Parameter(zeros(filters, inputChannels, height, width));
        // PyTorch's conv default, uniform(+-1/sqrt(fan_in)), for a child reading one input of typical width.
        double bound = 1 / Math.Sqrt((double)oneInputChannels * height * width);
        SeededInit.Uniform(weight, -bound, bound, generator);
        norm = nn.BatchNorm2d(filters);
        RegisterComponents();
    }

    public BatchNorm2d Norm => norm;

    /// <summary>The first <paramref name="filters"/> output channels over the given input blocks, concatenated in order.</summary>
    public Tensor Weight(int filters, IReadOnlyList<(int Offset, int Channels)> blocks)
    {
        using Tensor rows = weight.narrow(0, 0, filters);
        if (blocks.Count == 1)
            return rows.narrow(1, blocks[0].Offset, blocks[0].Channels);
        Tensor[] parts = blocks.Select(b => rows.narrow(1, b.Offset, b.Channels)).ToArray();
        Tensor joined = cat(parts, 1);
        foreach (Tensor part in parts)
            part.Dispose();
        return joined;
    }

    /// <summary>Batch norm over the first <paramref name="filters"/> channels with the batch's statistics (see <see cref="SharedCnn"/>).</summary>
    public Tensor Normalize(Tensor x, int filters)
    {
        using Tensor mean = norm.running_mean!.narrow(0, 0, filters);
        using Tensor variance = norm.running_var!.narrow(0, 0, filters);
        using Tensor scale = norm.weight!.narrow(0, 0, filters);
        using Tensor shift = norm.bias!.narrow(0, 0, filters);
        return nn.functional.batch_norm(x, mean, variance, scale, shift, training: true, momentum: 0.1, eps: 1e-5);
    }
}
