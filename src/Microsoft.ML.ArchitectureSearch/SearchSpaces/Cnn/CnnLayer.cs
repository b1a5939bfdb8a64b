namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// One convolution layer of a child CNN: conv (FilterHeight x FilterWidth, Filters output channels, Stride, "same"
/// padding) then BatchNorm, ReLU and the optional <see cref="Pool"/>. <see cref="Inputs"/> are the earlier layers whose
/// outputs are concatenated along depth to form this layer's input; none means the image.
/// </summary>
internal sealed record CnnLayer(int FilterHeight, int FilterWidth, int Filters, int Stride, CnnPooling Pool, IReadOnlyList<int> Inputs)
{
    /// <summary>A stride-1, unpooled layer.</summary>
    public CnnLayer(int filterHeight, int filterWidth, int filters, params int[] inputs)
        : this(filterHeight, filterWidth, filters, 1, CnnPooling.None, inputs)
    {
    }

    /// <summary>Value equality, including the input list (records compare lists by reference otherwise).</summary>
    public bool Equals(CnnLayer? other) =>
        other is not null && FilterHeight == other.FilterHeight && FilterWidth == other.FilterWidth && Filters == other.Filters &&
        Stride == other.Stride && Pool == other.Pool && Inputs.SequenceEqual(other.Inputs);

    public override int GetHashCode() =>
        HashCode.Combine(FilterHeight, FilterWidth, Filters, Stride, Pool, string.Join(",", Inputs));

    /// <summary>"3x3x36", with "/s2", " max2x2" and " [from 0,2]" when they apply.</summary>
    public override string ToString()
    {
        string text = $"{FilterHeight}x{FilterWidth}x{Filters}";
        if (Stride != 1)
            text += $"/s{Stride}";
        if (Pool != CnnPooling.None)
            text += " " + Pool.ToText();
        if (Inputs.Count > 0)
            text += $" [from {string.Join(",", Inputs)}]";
        return text;
    }
}
