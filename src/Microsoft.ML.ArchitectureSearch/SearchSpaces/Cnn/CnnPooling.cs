namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// Optional pooling after a layer's ReLU. Both kinds use a 2x2 window with stride 2 and ceil mode, so a map of height h
/// becomes ceil(h/2) (a 1x1 map stays 1x1; a partial window at the bottom/right edge pools the pixels it covers).
/// </summary>
public enum CnnPooling
{
    /// <summary>No pooling after the layer.</summary>
    None,
    /// <summary>2x2 max pooling with stride 2 after the layer.</summary>
    Max2x2,
    /// <summary>2x2 average pooling with stride 2 after the layer.</summary>
    Avg2x2,
}

internal static class CnnPoolingNames
{
    public static string ToText(this CnnPooling pooling) => pooling switch
    {
        CnnPooling.None => "none",
        CnnPooling.Max2x2 => "max2x2",
        CnnPooling.Avg2x2 => "avg2x2",
        _ => throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "Unknown pooling kind."),
    };

    public static CnnPooling Parse(string text, string context) => text switch
    {
        "none" => CnnPooling.None,
        "max2x2" => CnnPooling.Max2x2,
        "avg2x2" => CnnPooling.Avg2x2,
        _ => throw new ArchitectureValidationException($"{context}: unknown pooling '{text}' (expected none, max2x2 or avg2x2)."),
    };
}
