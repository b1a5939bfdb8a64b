using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// One layer of a <see cref="SharedCnn"/>: the weights of every operation the space offers, each held once. A
/// <see cref="SharedKernelBranch"/> per (filter height, filter width) choice for the convolution, a
/// <see cref="SharedSeparableBranch"/> per choice for the separable convolution, and a 1x1 <see cref="SharedKernelBranch"/>
/// per pooling operation (max and average keep their own, as in ENAS, where every branch has its own weights). It
/// computes what <see cref="CnnLayerBlock"/> computes for the chosen layer, with the weights sliced out of the chosen
/// branch: the operation's convolutions, the fixed reduction if the space has one after this layer, batch norm, the
/// activation, a pooling operation's 3x3 window, the layer's searched pooling.
/// </summary>
internal sealed class SharedCnnLayer : nn.Module
{
    private static readonly long[] Ones = { 1, 1 }, Zeros = { 0, 0 };
    private readonly ModuleList<SharedKernelBranch> branches = new();
    private readonly ModuleList<SharedSeparableBranch> separable = new();
    private readonly ModuleList<SharedKernelBranch> pooling = new();
    private readonly CnnOperation[] poolingOperations;
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
        // Drawn in this order (convolutions first, as before other operations existed), so a convolution-only space's
        // shared network starts from the weights it always had.
        if (options.Operations.Contains(CnnOperation.Convolution))
            foreach (int height in options.FilterHeights)
                foreach (int width in options.FilterWidths)
                    branches.Add(new SharedKernelBranch(inputChannels, filters, height, width, oneInputChannels, generator));
        if (options.Operations.Contains(CnnOperation.SeparableConvolution))
            foreach (int height in options.FilterHeights)
                foreach (int width in options.FilterWidths)
                    separable.Add(new SharedSeparableBranch(inputChannels, filters, height, width, oneInputChannels, generator));
        poolingOperations = options.Operations.Where(op => op.IsPooling()).ToArray();
        foreach (CnnOperation _ in poolingOperations)
            pooling.Add(new SharedKernelBranch(inputChannels, filters, 1, 1, oneInputChannels, generator));
        RegisterComponents();
    }

    /// <summary>The layer's output map for the child's <paramref name="layer"/> choices.</summary>
    /// <param name="input">The joined input (or the image at the layer's stage).</param>
    /// <param name="layer">The child's layer.</param>
    /// <param name="kernel">Index of the layer's (height, width) pair (not used by the pooling operations).</param>
    /// <param name="blocks">(offset, channels) of each joined input's block in the bank's input axis.</param>
    public Tensor forward(Tensor input, CnnLayer layer, int kernel, IReadOnlyList<(int Offset, int Channels)> blocks)
    {
        (SharedKernelBranch normalized, SharedSeparableBranch? spatial) = Branch(layer, kernel); // normalized: its batch norm follows
        long[] stride = { layer.Stride, layer.Stride };
        long[] padding = layer.Operation.IsPooling() ? Zeros : new long[] { (layer.FilterHeight - 1) / 2, (layer.FilterWidth - 1) / 2 };
        Tensor x;
        using (Tensor weight = normalized.Weight(layer.Filters, blocks))
        {
            if (spatial is null)
            {
                x = nn.functional.conv2d(input, weight, null, stride, padding);
            }
            else
            {
                using Tensor depthwise = spatial.Depthwise(blocks);
                Tensor map = nn.functional.conv2d(input, depthwise, null, stride, padding, groups: depthwise.shape[0]);
                x = nn.functional.conv2d(map, weight, null, Ones, Zeros).DisposingInput(map);
            }
        }

        if (reduce)
            x = FeatureMaps.Halve(x).DisposingInput(x);
        x = normalized.Normalize(x, layer.Filters).DisposingInput(x);
        x = Activations.Apply(x, activation).DisposingInput(x);
        if (layer.Operation.IsPooling())
            x = OperationWindow.Apply(x, layer.Operation).DisposingInput(x);
        return layer.Pool switch
        {
            CnnPooling.None => x,
            CnnPooling.Max2x2 => nn.functional.max_pool2d(x, new long[] { 2, 2 }, new long[] { 2, 2 }, ceil_mode: true).DisposingInput(x),
            CnnPooling.Avg2x2 => nn.functional.avg_pool2d(x, new long[] { 2, 2 }, new long[] { 2, 2 }, ceil_mode: true).DisposingInput(x),
            _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Pool, "Unknown pooling kind."),
        };
    }

    /// <summary>
    /// The convolution weights (new tensors, named after the <see cref="CnnLayerBlock"/> modules they belong in: "conv",
    /// and "depthwise" for a separable convolution) and the batch norm the child's layer uses.
    /// </summary>
    public (IReadOnlyList<(string Module, Tensor Weight)> Weights, BatchNorm2d Norm) Slices(
        CnnLayer layer, int kernel, IReadOnlyList<(int Offset, int Channels)> blocks)
    {
        (SharedKernelBranch main, SharedSeparableBranch? spatial) = Branch(layer, kernel);
        var weights = new List<(string Module, Tensor Weight)>();
        if (spatial is not null)
            weights.Add(("depthwise", spatial.Depthwise(blocks)));
        weights.Add(("conv", main.Weight(layer.Filters, blocks)));
        return (weights, main.Norm);
    }

    /// <summary>
    /// The branch of the layer's operation whose bank gives the filter count and whose batch norm follows (a convolution's
    /// kernel, a separable convolution's pointwise 1x1, a pooling operation's 1x1), and a separable convolution's branch
    /// for its depthwise bank (null otherwise).
    /// </summary>
    private (SharedKernelBranch Main, SharedSeparableBranch? Separable) Branch(CnnLayer layer, int kernel) => layer.Operation switch
    {
        CnnOperation.Convolution => (branches[kernel], null),
        CnnOperation.SeparableConvolution => (separable[kernel].Pointwise, separable[kernel]),
        _ => (pooling[PoolingBranch(layer.Operation)], null),
    };

    private int PoolingBranch(CnnOperation operation)
    {
        int index = Array.IndexOf(poolingOperations, operation);
        return index >= 0 ? index : throw new ArgumentException($"The space offers no {operation.ToText()} operation.", nameof(operation));
    }
}

/// <summary>
/// The weights of one kernel choice of a shared layer's separable convolution: a depthwise bank (one filter per channel
/// of the bank's input axis) and a 1x1 <see cref="SharedKernelBranch"/> for the pointwise convolution and batch norm.
/// </summary>
internal sealed class SharedSeparableBranch : nn.Module
{
    private readonly Parameter depthwise;
    private readonly SharedKernelBranch pointwise;

    public SharedSeparableBranch(int inputChannels, int filters, int height, int width, int oneInputChannels, Generator generator)
        : base(nameof(SharedSeparableBranch))
    {
        depthwise = new Parameter(zeros(inputChannels, 1, height, width));
        // PyTorch's default for a depthwise convolution: its fan-in is one channel's kernel.
        double bound = 1 / Math.Sqrt((double)height * width);
        SeededInit.Uniform(depthwise, -bound, bound, generator);
        pointwise = new SharedKernelBranch(inputChannels, filters, 1, 1, oneInputChannels, generator);
        RegisterComponents();
    }

    public SharedKernelBranch Pointwise => pointwise;

    /// <summary>The depthwise filters of the given input blocks, concatenated in order [channels, 1, height, width].</summary>
    public Tensor Depthwise(IReadOnlyList<(int Offset, int Channels)> blocks) => SharedKernelBranch.Blocks(depthwise, 0, blocks);
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
        return Blocks(rows, 1, blocks);
    }

    /// <summary>The given blocks of <paramref name="bank"/> along <paramref name="axis"/>, concatenated in order (a new tensor or view).</summary>
    internal static Tensor Blocks(Tensor bank, int axis, IReadOnlyList<(int Offset, int Channels)> blocks)
    {
        if (blocks.Count == 1)
            return bank.narrow(axis, blocks[0].Offset, blocks[0].Channels);
        Tensor[] parts = blocks.Select(b => bank.narrow(axis, b.Offset, b.Channels)).ToArray();
        Tensor joined = cat(parts, axis);
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
