namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>Shapes around one layer, per image (no batch dimension).</summary>
/// <param name="InputChannels">Channels after concatenating the inputs (the image's when the layer has no inputs).</param>
/// <param name="InputHeight">Largest input height (smaller inputs are zero-padded at the bottom).</param>
/// <param name="InputWidth">Largest input width (smaller inputs are zero-padded on the right).</param>
/// <param name="ConvHeight">Height after the convolution: ceil(InputHeight / stride).</param>
/// <param name="ConvWidth">Width after the convolution: ceil(InputWidth / stride).</param>
/// <param name="OutputChannels">The layer's filter count.</param>
/// <param name="OutputHeight">Height after pooling (ceil(ConvHeight / 2) when pooled).</param>
/// <param name="OutputWidth">Width after pooling.</param>
internal sealed record CnnLayerShape(
    int InputChannels, int InputHeight, int InputWidth,
    int ConvHeight, int ConvWidth,
    int OutputChannels, int OutputHeight, int OutputWidth);

/// <summary>
/// The feature-map shapes, parameter count and multiply-adds of a child CNN, computed from its layers alone (the
/// network is built from the same shapes, and tests check both agree).
/// <para>Conventions, which <see cref="Networks.Cnn.ChildCnn"/> follows:</para>
/// <list type="bullet">
/// <item>Inputs of different sizes are zero-padded at the bottom and on the right to the largest height and width,
/// then concatenated along channels. Layers that feed no later layer are concatenated the same way into the final
/// feature map, which global average pooling and a linear classifier turn into logits.</item>
/// <item>Convolutions have no bias (BatchNorm follows): FilterHeight * FilterWidth * InputChannels * Filters weights,
/// plus 2 * Filters BatchNorm scale/shift parameters. The classifier has FinalChannels * Classes + Classes.</item>
/// <item>Multiply-adds count convolutions (ConvHeight * ConvWidth * Filters * InputChannels * FilterHeight *
/// FilterWidth, zero padding included) and the classifier (FinalChannels * Classes); BatchNorm, ReLU, pooling,
/// padding and global averaging are not multiply-adds and count zero.</item>
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
        var shapes = new CnnLayerShape[layers.Count];
        var feedsLater = new bool[layers.Count];
        long parameters = 0, multiplyAdds = 0;
        checked
        {
            for (int i = 0; i < layers.Count; i++)
            {
                CnnLayer layer = layers[i];
                int channels = options.InputChannels, height = options.InputHeight, width = options.InputWidth;
                if (layer.Inputs.Count > 0)
                {
                    channels = layer.Inputs.Sum(j => shapes[j].OutputChannels);
                    height = layer.Inputs.Max(j => shapes[j].OutputHeight);
                    width = layer.Inputs.Max(j => shapes[j].OutputWidth);
                    foreach (int j in layer.Inputs)
                        feedsLater[j] = true;
                }

                int convHeight = CeilDiv(height, layer.Stride), convWidth = CeilDiv(width, layer.Stride);
                int outHeight = layer.Pool == CnnPooling.None ? convHeight : CeilDiv(convHeight, 2);
                int outWidth = layer.Pool == CnnPooling.None ? convWidth : CeilDiv(convWidth, 2);
                shapes[i] = new CnnLayerShape(channels, height, width, convHeight, convWidth, layer.Filters, outHeight, outWidth);

                long kernel = (long)layer.FilterHeight * layer.FilterWidth * channels;
                parameters += kernel * layer.Filters + 2L * layer.Filters;
                multiplyAdds += (long)convHeight * convWidth * layer.Filters * kernel;
            }

            int[] finalInputs = Enumerable.Range(0, layers.Count).Where(i => !feedsLater[i]).ToArray();
            int finalChannels = finalInputs.Sum(i => shapes[i].OutputChannels);
            int finalHeight = finalInputs.Max(i => shapes[i].OutputHeight);
            int finalWidth = finalInputs.Max(i => shapes[i].OutputWidth);
            parameters += (long)finalChannels * options.ClassCount + options.ClassCount;
            multiplyAdds += (long)finalChannels * options.ClassCount;
            return new CnnLayout(shapes, finalInputs, finalChannels, finalHeight, finalWidth, parameters, multiplyAdds);
        }
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
