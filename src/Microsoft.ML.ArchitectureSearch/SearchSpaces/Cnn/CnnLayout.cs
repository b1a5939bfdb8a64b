namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>Shapes around one layer, per image (no batch dimension).</summary>
/// <param name="InputChannels">Channels after concatenating the inputs (the image's when the layer has no inputs).</param>
/// <param name="InputHeight">
/// Height of the joined input: the largest input's when smaller ones are zero-padded (at the bottom), the smallest's
/// when larger ones are pooled down (<see cref="CnnSkipResize"/>); the image's, halved once per reduction before the
/// layer, when it has no inputs.
/// </param>
/// <param name="InputWidth">Width of the joined input, as <paramref name="InputHeight"/> (padding on the right).</param>
/// <param name="ConvHeight">Height after the convolution: ceil(InputHeight / stride).</param>
/// <param name="ConvWidth">Width after the convolution: ceil(InputWidth / stride).</param>
/// <param name="OutputChannels">The layer's filter count.</param>
/// <param name="OutputHeight">Height of what later layers read: after pooling (ceil(ConvHeight / 2) when pooled) and
/// after the fixed reduction when one follows the layer (halved again, rounding up).</param>
/// <param name="OutputWidth">Width of what later layers read, as <paramref name="OutputHeight"/>.</param>
internal sealed record CnnLayerShape(
    int InputChannels, int InputHeight, int InputWidth,
    int ConvHeight, int ConvWidth,
    int OutputChannels, int OutputHeight, int OutputWidth);

/// <summary>
/// The feature-map shapes, parameter count and multiply-adds of a child CNN, computed from its layers alone (the
/// network is built from the same shapes, and tests check both agree).
/// <para>Conventions, which <see cref="Networks.Cnn.ChildCnn"/> follows:</para>
/// <list type="bullet">
/// <item>Inputs of different sizes are joined as <see cref="CnnSearchSpaceOptions.SkipResize"/> says (by default
/// zero-padded at the bottom and on the right to the largest height and width; max-pooled down to the smallest when the
/// space has reductions), then concatenated along channels. Layers that feed no later layer are joined the same way
/// into the final feature map, which global pooling (average or max) and a linear classifier turn into logits.</item>
/// <item>A fixed reduction (<see cref="CnnSearchSpaceOptions.ReductionAfterLayers"/>) is a 2x2 max pooling with stride 2
/// between its layer's convolution and batch norm: ceil(size / 2). A layer without inputs reads the image (the stem's
/// output when the space has one) pooled so once per reduction before it.</item>
/// <item>The patch-whitening stem (<see cref="CnnStem.PatchWhitening"/>) is a 2x2 convolution without padding, with
/// bias: 2 * 2 * InputChannels * StemChannels weights (fixed after initialisation, counted all the same) + StemChannels
/// biases, and (H - 1) * (W - 1) * StemChannels * 2 * 2 * InputChannels multiply-adds.</item>
/// <item>Convolutions have no bias (BatchNorm follows): FilterHeight * FilterWidth * InputChannels * Filters weights,
/// plus 2 * Filters BatchNorm scale/shift parameters. The classifier has FinalChannels * Classes + Classes.</item>
/// <item>The other <see cref="CnnOperation"/>s: a separable convolution has FilterHeight * FilterWidth * InputChannels
/// depthwise and InputChannels * Filters pointwise weights; a 3x3 pooling operation has its 1x1 convolution's
/// InputChannels * Filters; both have the 2 * Filters of BatchNorm. All keep ConvHeight x ConvWidth.</item>
/// <item>Multiply-adds count convolutions (ConvHeight * ConvWidth * Filters * InputChannels * FilterHeight *
/// FilterWidth, zero padding included; for a separable one ConvHeight * ConvWidth * InputChannels * (FilterHeight *
/// FilterWidth + Filters); for a pooling operation its 1x1 convolution's ConvHeight * ConvWidth * InputChannels * Filters)
/// and the classifier (FinalChannels * Classes); BatchNorm, ReLU, pooling (searched, fixed, joining or the 3x3
/// operations'), padding and global averaging are not multiply-adds and count zero.</item>
/// </list>
/// </summary>
internal sealed class CnnLayout
{
    private CnnLayout(IReadOnlyList<CnnLayerShape> layers, IReadOnlyList<int> finalInputs, int finalChannels,
        int finalHeight, int finalWidth, long parameterCount, long multiplyAdds)
    {
        Layers = layers;
        FinalInputs = finalInputs;
        FinalChannels = finalChannels;
        FinalHeight = finalHeight;
        FinalWidth = finalWidth;
        ParameterCount = parameterCount;
        MultiplyAdds = multiplyAdds;
    }

    public IReadOnlyList<CnnLayerShape> Layers { get; }

    /// <summary>The layers that feed no later layer, in order; their outputs form the final feature map.</summary>
    public IReadOnlyList<int> FinalInputs { get; }

    public int FinalChannels { get; }

    public int FinalHeight { get; }

    public int FinalWidth { get; }

    public long ParameterCount { get; }

    public long MultiplyAdds { get; }

    /// <summary>Lays out <paramref name="layers"/>, whose inputs must already be valid (each earlier than its layer).</summary>
    public static CnnLayout Compute(CnnSearchSpaceOptions options, IReadOnlyList<CnnLayer> layers)
    {
        CnnSkipResize join = options.EffectiveSkipResize;
        var shapes = new CnnLayerShape[layers.Count];
        var feedsLater = new bool[layers.Count];
        long parameters = 0, multiplyAdds = 0;
        (int Channels, int Height, int Width) stem = options.StemOutput;
        checked
        {
            if (options.Stem == CnnStem.PatchWhitening)
            {
                long kernel = 2L * 2 * options.InputChannels;
                parameters += kernel * stem.Channels + stem.Channels;
                multiplyAdds += (long)stem.Height * stem.Width * stem.Channels * kernel;
            }

            for (int i = 0; i < layers.Count; i++)
            {
                CnnLayer layer = layers[i];
                int channels = stem.Channels;
                int height = Halve(stem.Height, options.StageOf(i)), width = Halve(stem.Width, options.StageOf(i));
                if (layer.Inputs.Count > 0)
                {
                    channels = layer.Inputs.Sum(j => shapes[j].OutputChannels);
                    (height, width) = JoinedSize(layer.Inputs.Select(j => shapes[j]), join);
                    foreach (int j in layer.Inputs)
                        feedsLater[j] = true;
                }

                int convHeight = CeilDiv(height, layer.Stride), convWidth = CeilDiv(width, layer.Stride);
                int halvings = (layer.Pool == CnnPooling.None ? 0 : 1) + (options.ReducesAfter(i) ? 1 : 0);
                shapes[i] = new CnnLayerShape(channels, height, width, convHeight, convWidth, layer.Filters,
                    Halve(convHeight, halvings), Halve(convWidth, halvings));

                long weights = OperationWeights(layer, channels);
                parameters += weights + 2L * layer.Filters;
                // Every weight of these operations is applied once at each output position.
                multiplyAdds += (long)convHeight * convWidth * weights;
            }

            int[] finalInputs = Enumerable.Range(0, layers.Count).Where(i => !feedsLater[i]).ToArray();
            int finalChannels = finalInputs.Sum(i => shapes[i].OutputChannels);
            (int finalHeight, int finalWidth) = JoinedSize(finalInputs.Select(i => shapes[i]), join);
            parameters += (long)finalChannels * options.ClassCount + options.ClassCount;
            multiplyAdds += (long)finalChannels * options.ClassCount;
            return new CnnLayout(shapes, finalInputs, finalChannels, finalHeight, finalWidth, parameters, multiplyAdds);
        }
    }

    /// <summary>The convolution weights of <paramref name="layer"/>'s operation over <paramref name="channels"/> input channels.</summary>
    private static long OperationWeights(CnnLayer layer, int channels)
    {
        long kernel = (long)layer.FilterHeight * layer.FilterWidth;
        return layer.Operation switch
        {
            CnnOperation.Convolution => kernel * channels * layer.Filters,
            CnnOperation.SeparableConvolution => kernel * channels + (long)channels * layer.Filters,
            _ => (long)channels * layer.Filters, // a pooling operation's 1x1 convolution
        };
    }

    /// <summary>The size maps of the given layers take when joined: the largest (padding) or the smallest (pooling).</summary>
    private static (int Height, int Width) JoinedSize(IEnumerable<CnnLayerShape> inputs, CnnSkipResize join)
    {
        CnnLayerShape[] maps = inputs.ToArray();
        return join == CnnSkipResize.PoolToSmallest
            ? (maps.Min(m => m.OutputHeight), maps.Min(m => m.OutputWidth))
            : (maps.Max(m => m.OutputHeight), maps.Max(m => m.OutputWidth));
    }

    /// <summary>A size after <paramref name="times"/> 2x2, stride-2, ceil-mode poolings.</summary>
    private static int Halve(int size, int times)
    {
        for (int t = 0; t < times; t++)
            size = CeilDiv(size, 2);
        return size;
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
