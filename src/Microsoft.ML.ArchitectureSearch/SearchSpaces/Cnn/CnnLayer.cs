namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// One layer of a child CNN: its <see cref="Operation"/> (by default a FilterHeight x FilterWidth convolution with
/// Filters output channels, Stride and "same" padding) then BatchNorm, the activation and the optional <see cref="Pool"/>.
/// <see cref="Inputs"/> are the earlier layers whose outputs are concatenated along depth to form this layer's input;
/// none means the image. A pooling operation's FilterHeight and FilterWidth are its 3x3 window.
/// </summary>
internal sealed record CnnLayer(int FilterHeight, int FilterWidth, int Filters, int Stride, CnnPooling Pool, IReadOnlyList<int> Inputs)
{
    /// <summary>A stride-1, unpooled layer.</summary>
    public CnnLayer(int filterHeight, int filterWidth, int filters, params int[] inputs)
        : this(filterHeight, filterWidth, filters, 1, CnnPooling.None, inputs)
    {
    }

    /// <summary>What the layer computes (<see cref="CnnOperation.Convolution"/> unless set).</summary>
    public CnnOperation Operation { get; init; }

    /// <summary>Value equality, including the input list (records compare lists by reference otherwise).</summary>
    public bool Equals(CnnLayer? other) =>
        other is not null && FilterHeight == other.FilterHeight && FilterWidth == other.FilterWidth && Filters == other.Filters &&
        Stride == other.Stride && Pool == other.Pool && Operation == other.Operation && Inputs.SequenceEqual(other.Inputs);

    public override int GetHashCode() =>
        HashCode.Combine(FilterHeight, FilterWidth, Filters, Stride, Pool, Operation, string.Join(",", Inputs));

    /// <summary>
    /// "3x3x36" for a convolution, "sep 3x3x36", "max_pool3x3 x36" and "avg_pool3x3 x36" for the other operations, with
    /// "/s2", " max2x2" and " [from 0,2]" when they apply.
    /// </summary>
    public override string ToString()
    {
        string text = Operation switch
        {
            CnnOperation.Convolution => $"{FilterHeight}x{FilterWidth}x{Filters}",
            CnnOperation.SeparableConvolution => $"sep {FilterHeight}x{FilterWidth}x{Filters}",
            _ => $"{Operation.ToText()} x{Filters}",
        };
        if (Stride != 1)
            text += $"/s{Stride}";
        if (Pool != CnnPooling.None)
            text += " " + Pool.ToText();
        if (Inputs.Count > 0)
            text += $" [from {string.Join(",", Inputs)}]";
        return text;
    }
}
