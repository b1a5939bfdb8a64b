namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// The Zoph &amp; Le (2017) CIFAR-10 search space: per layer a filter height, width and count, optionally a stride and a
/// pooling kind, and a skip connection from every earlier layer. Also the input shape and class count, so that
/// parameter and multiply-add counts are known before a child is built.
/// </summary>
public sealed record CnnSearchSpaceOptions
{
    /// <summary>Largest accepted <see cref="LayerCount"/>; the step count grows with its square.</summary>
    public const int MaxLayerCount = 50;

    /// <summary>Convolution layers per child (Zoph &amp; Le grow it from 6 to 15 during search).</summary>
    public int LayerCount { get; init; } = 6;

    /// <summary>Filter heights to choose from; odd, so that "same" padding is symmetric.</summary>
    public IReadOnlyList<int> FilterHeights { get; init; } = new[] { 1, 3, 5, 7 };

    /// <summary>Filter widths to choose from; odd, so that "same" padding is symmetric.</summary>
    public IReadOnlyList<int> FilterWidths { get; init; } = new[] { 1, 3, 5, 7 };

    /// <summary>Numbers of filters (output channels) to choose from.</summary>
    public IReadOnlyList<int> FilterCounts { get; init; } = new[] { 24, 36, 48, 64 };

    /// <summary>When true each layer also chooses a stride from <see cref="Strides"/>; otherwise every stride is 1.</summary>
    public bool SearchStrides { get; init; }

    /// <summary>Strides to choose from when <see cref="SearchStrides"/> is on.</summary>
    public IReadOnlyList<int> Strides { get; init; } = new[] { 1, 2, 3 };

    /// <summary>When true each layer also chooses a pooling kind from <see cref="Poolings"/>; otherwise none pools.</summary>
    public bool SearchPooling { get; init; }

    /// <summary>Pooling kinds to choose from when <see cref="SearchPooling"/> is on.</summary>
    public IReadOnlyList<CnnPooling> Poolings { get; init; } = new[] { CnnPooling.None, CnnPooling.Max2x2, CnnPooling.Avg2x2 };

    /// <summary>Channels of the input images (set from ArchitectureSearchOptions.ImageChannels in a Fit).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Height of the input images (set from ArchitectureSearchOptions.ImageHeight in a Fit).</summary>
    public int InputHeight { get; init; } = 32;

    /// <summary>Width of the input images (set from ArchitectureSearchOptions.ImageWidth in a Fit).</summary>
    public int InputWidth { get; init; } = 32;

    /// <summary>Classes of the classifier (set from the label's key count in a Fit).</summary>
    public int ClassCount { get; init; } = 10;

    /// <summary>Architectures with more trainable parameters are rejected; null for no limit.</summary>
    public long? MaxParameters { get; init; }

    /// <summary>Architectures whose forward pass needs more multiply-adds per image are rejected; null for no limit.</summary>
    public long? MaxMultiplyAdds { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    internal void Validate()
    {
        if (LayerCount < 1 || LayerCount > MaxLayerCount)
            throw new ArgumentException($"{nameof(LayerCount)} must be between 1 and {MaxLayerCount}; got {LayerCount}.");
        CheckOddPositive(FilterHeights, nameof(FilterHeights));
        CheckOddPositive(FilterWidths, nameof(FilterWidths));
        CheckPositive(FilterCounts, nameof(FilterCounts));
        CheckPositive(Strides, nameof(Strides));
        if (Poolings is null || Poolings.Count == 0)
            throw new ArgumentException($"{nameof(Poolings)} must list at least one pooling kind.");
        if (Poolings.Distinct().Count() != Poolings.Count)
            throw new ArgumentException($"{nameof(Poolings)} lists a pooling kind twice.");
        if (Poolings.Any(p => !Enum.IsDefined(p)))
            throw new ArgumentException($"{nameof(Poolings)} holds an unknown pooling kind.");
        if (InputChannels < 1 || InputHeight < 1 || InputWidth < 1)
            throw new ArgumentException($"Input shape must be positive; got {InputChannels}x{InputHeight}x{InputWidth}.");
        if (ClassCount < 2)
            throw new ArgumentException($"{nameof(ClassCount)} must be at least 2; got {ClassCount}.");
        if (MaxParameters is <= 0)
            throw new ArgumentException($"{nameof(MaxParameters)} must be positive when set; got {MaxParameters}.");
        if (MaxMultiplyAdds is <= 0)
            throw new ArgumentException($"{nameof(MaxMultiplyAdds)} must be positive when set; got {MaxMultiplyAdds}.");
    }

    /// <summary>Canonical text of every option: equal text, equal meaning of tokens and equal limits.</summary>
    internal string ToCanonicalText() =>
        string.Join(";",
            "cnn",
            $"layers={LayerCount}",
            $"filter_heights={string.Join(",", FilterHeights)}",
            $"filter_widths={string.Join(",", FilterWidths)}",
            $"filters={string.Join(",", FilterCounts)}",
            $"strides={(SearchStrides ? string.Join(",", Strides) : "off")}",
            $"pooling={(SearchPooling ? string.Join(",", Poolings.Select(p => p.ToText())) : "off")}",
            $"input={InputChannels}x{InputHeight}x{InputWidth}",
            $"classes={ClassCount}",
            $"max_parameters={MaxParameters?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}",
            $"max_multiply_adds={MaxMultiplyAdds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");

    private static void CheckPositive(IReadOnlyList<int> values, string name)
    {
        if (values is null || values.Count == 0)
            throw new ArgumentException($"{name} must list at least one value.");
        if (values.Any(v => v < 1))
            throw new ArgumentException($"{name} must be positive; got {string.Join(",", values)}.");
        if (values.Distinct().Count() != values.Count)
            throw new ArgumentException($"{name} lists a value twice: {string.Join(",", values)}.");
    }

    private static void CheckOddPositive(IReadOnlyList<int> values, string name)
    {
        CheckPositive(values, name);
        if (values.Any(v => v % 2 == 0))
            throw new ArgumentException($"{name} must be odd (for symmetric 'same' padding); got {string.Join(",", values)}.");
    }
}
