namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// What a layer computes on its joined input (ENAS's macro space, Pham et al. 2018, offers all four). Every operation ends
/// with batch norm and the space's activation, gives the layer's filter count as channels and keeps the size the layer's
/// stride gives, so skips, fixed reductions and the layer's own pooling work the same way after any of them.
/// </summary>
public enum CnnOperation
{
    /// <summary>A FilterHeight x FilterWidth convolution (Zoph &amp; Le; the default and only operation unless others are enabled).</summary>
    Convolution,

    /// <summary>
    /// A depthwise-separable convolution: a FilterHeight x FilterWidth depthwise convolution (one filter per input
    /// channel, the layer's stride) then a 1x1 pointwise convolution to the filter count, with no normalisation between
    /// them (as TensorFlow's separable_conv2d, which ENAS uses).
    /// </summary>
    SeparableConvolution,

    /// <summary>
    /// A 1x1 convolution to the filter count (with the layer's stride), batch norm and the activation, then 3x3 max
    /// pooling with stride 1 and one pixel of padding that never wins (the map keeps its size). The filter height and
    /// width choices do not apply: the window is always 3x3.
    /// </summary>
    MaxPool3x3,

    /// <summary>
    /// As <see cref="MaxPool3x3"/> with 3x3 average pooling; a window at the map's edge averages only the pixels inside
    /// the map (the padding is not counted, as TensorFlow's "SAME" pooling in ENAS).
    /// </summary>
    AvgPool3x3,
}

internal static class CnnOperationNames
{
    /// <summary>The window of the pooling operations.</summary>
    public const int PoolWindow = 3;

    public static bool IsPooling(this CnnOperation operation) => operation is CnnOperation.MaxPool3x3 or CnnOperation.AvgPool3x3;

    public static string ToText(this CnnOperation operation) => operation switch
    {
        CnnOperation.Convolution => "conv",
        CnnOperation.SeparableConvolution => "sep_conv",
        CnnOperation.MaxPool3x3 => "max_pool3x3",
        CnnOperation.AvgPool3x3 => "avg_pool3x3",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown CNN operation."),
    };

    public static CnnOperation Parse(string text, string context) => text switch
    {
        "conv" => CnnOperation.Convolution,
        "sep_conv" => CnnOperation.SeparableConvolution,
        "max_pool3x3" => CnnOperation.MaxPool3x3,
        "avg_pool3x3" => CnnOperation.AvgPool3x3,
        _ => throw new ArchitectureValidationException(
            $"{context}: unknown operation {UserText.Quote(text)} (expected conv, sep_conv, max_pool3x3 or avg_pool3x3)."),
    };
}
