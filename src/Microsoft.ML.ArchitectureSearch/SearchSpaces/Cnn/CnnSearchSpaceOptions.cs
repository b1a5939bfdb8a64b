namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// The Zoph &amp; Le (2017) CIFAR-10 search space: per layer a filter height, width and count, optionally a stride and a
/// pooling kind, and a skip connection from every earlier layer. Also the input shape and class count, so that
/// parameter and multiply-add counts are known before a child is built.
/// <para>
/// Optional downsampling stages (off by default) make fast networks members of the space: fixed reductions
/// (<see cref="ReductionAfterLayers"/>) split the layers into stages, each stage may offer its own filter counts
/// (<see cref="StageFilterCounts"/>), and <see cref="SkipResize"/> says how maps of different sizes are joined.
/// </para>
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

    /// <summary>
    /// The operations a layer chooses from (ENAS's macro space offers all four, with 3x3 and 5x5 kernels). With more
    /// than one, each layer has an operation decision after its filter count; with one, every layer uses it. The
    /// convolutions take the layer's filter height and width; the 3x3 poolings ignore them. The default, convolution
    /// only, is Zoph &amp; Le's space, whose architectures, documents and hashes stay what they were.
    /// </summary>
    public IReadOnlyList<CnnOperation> Operations { get; init; } = new[] { CnnOperation.Convolution };

    /// <summary>
    /// Layers after which a fixed 2x2 max pooling with stride 2 (ceil mode, as <see cref="CnnPooling.Max2x2"/>) halves
    /// the resolution: part of the space, not a searched decision. The pooling follows the layer's own block (and its
    /// searched pooling, if any), so every later layer and the classifier read the reduced map. The list splits the
    /// layers into stages: stage 0 ends with the first listed layer, stage k holds the layers after the k-th reduction.
    /// A layer with no inputs in stage k reads the image max-pooled the same way k times, so that it starts at its
    /// stage's resolution rather than the image's. Strictly increasing layer indices below <see cref="LayerCount"/> - 1;
    /// empty (the default): no reductions, Zoph &amp; Le's space.
    /// </summary>
    public IReadOnlyList<int> ReductionAfterLayers { get; init; } = Array.Empty<int>();

    /// <summary>
    /// The filter counts each stage's layers choose from: one list per stage (<see cref="ReductionAfterLayers"/>.Count
    /// + 1 lists, stage 0 first), so that late, low-resolution stages can be wide (256, 512) while early layers stay
    /// cheap; when set, <see cref="FilterCounts"/> is not used. Null (the default): every layer chooses from
    /// <see cref="FilterCounts"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>>? StageFilterCounts { get; init; }

    /// <summary>
    /// How a layer's inputs (and the layers that form the final map) are joined when their sizes differ. Null (the
    /// default) chooses by the space: <see cref="CnnSkipResize.PadToLargest"/> (Zoph &amp; Le) when there are no
    /// <see cref="ReductionAfterLayers"/>, <see cref="CnnSkipResize.PoolToSmallest"/> when there are, because padding
    /// a reduced map back up to the image's size would undo the reduction (and its savings) at every skip connection
    /// that crosses it.
    /// </summary>
    public CnnSkipResize? SkipResize { get; init; }

    /// <summary>A fixed first layer before the searched ones (<see cref="CnnStem.None"/>, the default: none).</summary>
    public CnnStem Stem { get; init; }

    /// <summary>The non-linearity of every layer and of the stem (<see cref="CnnActivation.ReLU"/> by default).</summary>
    public CnnActivation Activation { get; init; }

    /// <summary>How the final map is pooled before the classifier (<see cref="CnnGlobalPooling.Average"/> by default).</summary>
    public CnnGlobalPooling GlobalPooling { get; init; }

    /// <summary>
    /// A fixed factor on the classifier's logits (1, the default: none). airbench multiplies its logits by 1/9, which
    /// makes the initial predictions nearly uniform and slows the classifier relative to the batch-normalised layers
    /// when the whole network trains at one large learning rate.
    /// </summary>
    public double LogitScale { get; init; } = 1.0;

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
        if (Operations is null || Operations.Count == 0)
            throw new ArgumentException($"{nameof(Operations)} must list at least one operation.");
        if (Operations.Distinct().Count() != Operations.Count)
            throw new ArgumentException($"{nameof(Operations)} lists an operation twice: {string.Join(", ", Operations)}.");
        if (Operations.Any(op => !Enum.IsDefined(op)))
            throw new ArgumentException($"{nameof(Operations)} holds an unknown operation; the known ones are {string.Join(", ", Enum.GetNames<CnnOperation>())}.");
        if (InputChannels < 1 || InputHeight < 1 || InputWidth < 1)
            throw new ArgumentException($"Input shape must be positive; got {InputChannels}x{InputHeight}x{InputWidth}.");
        if (!Enum.IsDefined(Stem))
            throw new ArgumentException($"{nameof(Stem)} is not a known stem; got {(int)Stem}.");
        if (!Enum.IsDefined(Activation))
            throw new ArgumentException($"{nameof(Activation)} is not a known activation; got {(int)Activation}.");
        if (!Enum.IsDefined(GlobalPooling))
            throw new ArgumentException($"{nameof(GlobalPooling)} is not a known global pooling; got {(int)GlobalPooling}.");
        if (!(LogitScale > 0) || double.IsInfinity(LogitScale))
            throw new ArgumentException($"{nameof(LogitScale)} must be a positive finite number; got {LogitScale}.");
        if (Stem == CnnStem.PatchWhitening && (InputHeight < 2 || InputWidth < 2))
            throw new ArgumentException($"The {nameof(CnnStem.PatchWhitening)} stem needs images of at least 2x2 pixels; got {InputHeight}x{InputWidth}.");
        if (ClassCount < 2)
            throw new ArgumentException($"{nameof(ClassCount)} must be at least 2; got {ClassCount}.");
        if (MaxParameters is <= 0)
            throw new ArgumentException($"{nameof(MaxParameters)} must be positive when set; got {MaxParameters}.");
        if (MaxMultiplyAdds is <= 0)
            throw new ArgumentException($"{nameof(MaxMultiplyAdds)} must be positive when set; got {MaxMultiplyAdds}.");
        ValidateStages();
    }

    private void ValidateStages()
    {
        if (ReductionAfterLayers is null)
            throw new ArgumentException($"{nameof(ReductionAfterLayers)} must be a list (empty for no reductions).");
        for (int k = 0; k < ReductionAfterLayers.Count; k++)
        {
            int layer = ReductionAfterLayers[k];
            if (layer < 0 || layer > LayerCount - 2)
                throw new ArgumentException(
                    $"{nameof(ReductionAfterLayers)} must list layers 0..{LayerCount - 2} (a reduction needs a later layer to read it); got {layer}.");
            if (k > 0 && layer <= ReductionAfterLayers[k - 1])
                throw new ArgumentException(
                    $"{nameof(ReductionAfterLayers)} must be strictly increasing; got {string.Join(",", ReductionAfterLayers)}.");
        }

        if (StageFilterCounts is not null)
        {
            if (StageFilterCounts.Count != StageCount)
                throw new ArgumentException(
                    $"{nameof(StageFilterCounts)} must hold one list per stage ({nameof(ReductionAfterLayers)}.Count + 1 = {StageCount}); got {StageFilterCounts.Count}.");
            for (int k = 0; k < StageFilterCounts.Count; k++)
                CheckPositive(StageFilterCounts[k], $"{nameof(StageFilterCounts)}[{k}]");
        }

        if (SkipResize is { } resize && !Enum.IsDefined(resize))
            throw new ArgumentException($"{nameof(SkipResize)} is not a known way to join maps; got {(int)resize}.");
    }

    /// <summary>Channels, height and width of what inputless layers read at stage 0: the stem's output, else the image.</summary>
    internal (int Channels, int Height, int Width) StemOutput => Stem == CnnStem.PatchWhitening
        ? (PatchWhiteningChannels, InputHeight - 1, InputWidth - 1)
        : (InputChannels, InputHeight, InputWidth);

    /// <summary>Filters of the patch-whitening stem: one per eigenvector of the 2x2 x channels patch covariance, and its negation.</summary>
    internal int PatchWhiteningChannels => 2 * 2 * 2 * InputChannels;

    /// <summary>Whether each layer decides its operation (more than one is offered).</summary>
    internal bool SearchOperations => Operations.Count > 1;

    /// <summary>Whether the space is Zoph &amp; Le's convolution-only one (no operation in documents, fingerprints or diagrams).</summary>
    internal bool ConvolutionOnly => Operations.Count == 1 && Operations[0] == CnnOperation.Convolution;

    /// <summary>Stages of the layers: one more than the reductions.</summary>
    internal int StageCount => ReductionAfterLayers.Count + 1;

    /// <summary>The stage of <paramref name="layer"/>: how many reductions come before it.</summary>
    internal int StageOf(int layer) => ReductionAfterLayers.Count(r => r < layer);

    /// <summary>Whether the fixed reduction follows <paramref name="layer"/>.</summary>
    internal bool ReducesAfter(int layer) => ReductionAfterLayers.Contains(layer);

    /// <summary>The filter counts <paramref name="layer"/> chooses from: its stage's, else <see cref="FilterCounts"/>.</summary>
    internal IReadOnlyList<int> FilterCountsOf(int layer) => StageFilterCounts?[StageOf(layer)] ?? FilterCounts;

    /// <summary><see cref="SkipResize"/>, or what null means for this space (pool with reductions, pad without).</summary>
    internal CnnSkipResize EffectiveSkipResize =>
        SkipResize ?? (ReductionAfterLayers.Count > 0 ? CnnSkipResize.PoolToSmallest : CnnSkipResize.PadToLargest);

    /// <summary>
    /// A copy whose lists are fresh arrays, so that a caller changing its own lists later cannot change what the
    /// copy's tokens mean. Null lists stay null (for <see cref="Validate"/> to name).
    /// </summary>
    internal CnnSearchSpaceOptions Copy() => this with
    {
        FilterHeights = FilterHeights?.ToArray()!,
        FilterWidths = FilterWidths?.ToArray()!,
        FilterCounts = FilterCounts?.ToArray()!,
        Strides = Strides?.ToArray()!,
        Poolings = Poolings?.ToArray()!,
        Operations = Operations?.ToArray()!,
        ReductionAfterLayers = ReductionAfterLayers?.ToArray()!,
        StageFilterCounts = StageFilterCounts?.Select(counts => (IReadOnlyList<int>)counts?.ToArray()!).ToArray(),
    };

    /// <summary>
    /// Canonical text of every option: equal text, equal meaning of tokens and equal limits. The stage, network and
    /// operation options are appended only when they change the space (reductions, stage filter counts, joins by pooling, a stem,
    /// another activation, global pooling or logit scale, operations other than convolution alone), so a space without them keeps the text, and the architecture hashes and
    /// checkpoints made from it, that it always had.
    /// </summary>
    internal string ToCanonicalText() =>
        string.Join(";", CanonicalParts().Concat(CanonicalStageParts()).Concat(CanonicalNetworkParts()).Concat(CanonicalOperationParts()));

    /// <summary>The operations, only when they are not convolution alone (so Zoph &amp; Le's spaces keep their text).</summary>
    private IEnumerable<string> CanonicalOperationParts()
    {
        if (!ConvolutionOnly)
            yield return $"operations={string.Join(",", Operations.Select(op => op.ToText()))}";
    }

    private IEnumerable<string> CanonicalNetworkParts()
    {
        if (Stem != CnnStem.None)
            yield return "stem=patch_whitening";
        if (Activation != CnnActivation.ReLU)
            yield return "activation=gelu";
        if (GlobalPooling != CnnGlobalPooling.Average)
            yield return "global_pooling=max";
        if (LogitScale != 1.0)
            yield return $"logit_scale={LogitScale.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private IEnumerable<string> CanonicalStageParts()
    {
        if (ReductionAfterLayers.Count > 0)
            yield return $"reductions={string.Join(",", ReductionAfterLayers)}";
        if (StageFilterCounts is not null)
            yield return $"stage_filters={string.Join("|", StageFilterCounts.Select(counts => string.Join(",", counts)))}";
        if (EffectiveSkipResize == CnnSkipResize.PoolToSmallest)
            yield return "skip_resize=pool_to_smallest";
    }

    private string[] CanonicalParts() =>
        new[]
        {
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
            $"max_multiply_adds={MaxMultiplyAdds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}",
        };

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
