namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.References;

/// <summary>
/// The hand-designed CNNs every CNN search starts from (those that are members of its space):
/// <list type="bullet">
/// <item>the plain 3x3 stack: every layer 3x3 with 64 filters reading only the layer before it (a VGG-style chain;
/// <c>bench/reference-cnn.json</c> in the default 6-layer space);</item>
/// <item>the dense 3x3 stack: the same layers, each reading every earlier layer (DenseNet-style connectivity;
/// <c>bench/reference-cnn-dense.json</c>);</item>
/// <item>the airbench-like network (<c>bench/reference-airbench.json</c>): a patch-whitening stem, GELU, widths 64 | 64,
/// 256 | 256, 256 | 256 in four stages and a max-pooled, logit-scaled head, after Keller Jordan's airbench94. It is a
/// member only of spaces with its network settings (6 layers, reductions after layers 0, 2 and 4, that stem, activation,
/// global pooling and logit scale, skip inputs pooled to the smallest), e.g. <c>bench/space-airbench.json</c>; in a
/// space without them the same layers would build a different network, so it is not offered there.</item>
/// </list>
/// The stacks take the space's layer count, so a 3-layer space gets 3-layer stacks. In a space that fixes every stage's
/// width (<see cref="CnnSearchSpaceOptions.StageFilterCounts"/> with one count each, as ENAS's macro space,
/// <c>bench/space-enas-macro.json</c>) the stacks take those widths instead of 64: the plain (dense) network of that
/// space, what its user would type by hand.
/// </summary>
internal static class CnnReferences
{
    /// <summary>Filters of every layer of the plain and dense stacks (the widest default choice).</summary>
    public const int StackFilters = 64;

    public static IReadOnlyList<ReferenceArchitecture> For(CnnSearchSpace space) => ReferenceArchitecture.Members(
        ("plain 3x3 stack", $"{space.Options.LayerCount} layers of 3x3 convolutions with {Widths(space.Options)} filters, each reading the layer before it.",
            () => Stack(space, dense: false)),
        ("dense 3x3 stack", $"{space.Options.LayerCount} layers of 3x3 convolutions with {Widths(space.Options)} filters, each reading every earlier layer.",
            () => Stack(space, dense: true)),
        ("airbench-like", "airbench94's shape: patch-whitening stem, GELU, widths 64 | 64, 256 | 256, 256 | 256 in four stages, max-pooled head with logits x 1/9.",
            () => Airbench(space)));

    private static CnnArchitecture Stack(CnnSearchSpace space, bool dense) => new(space,
        Enumerable.Range(0, space.Options.LayerCount)
            .Select(i => new CnnLayer(3, 3, StackWidth(space.Options, i), dense ? Enumerable.Range(0, i).ToArray() : i == 0 ? Array.Empty<int>() : new[] { i - 1 }))
            .ToArray());

    /// <summary>"64", or the fixed widths per stage ("24 | 48 | 96") when the space fixes them.</summary>
    private static string Widths(CnnSearchSpaceOptions options)
    {
        int[] widths = Enumerable.Range(0, options.LayerCount).Select(i => StackWidth(options, i)).ToArray();
        return widths.Distinct().Count() == 1 ? widths[0].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Join(" | ", Enumerable.Range(0, options.LayerCount).GroupBy(options.StageOf).Select(g => string.Join("/", g.Select(i => widths[i]).Distinct())));
    }

    /// <summary>The stacks' width at layer <paramref name="layer"/>: its stage's width when the space fixes every stage's, else 64.</summary>
    private static int StackWidth(CnnSearchSpaceOptions options, int layer) =>
        options.StageFilterCounts is { } stages && stages.All(s => s.Count == 1) ? stages[options.StageOf(layer)][0] : StackFilters;

    /// <summary>The network settings the airbench-like layers need to be that network (the choice lists are free).</summary>
    internal static readonly CnnSearchSpaceOptions AirbenchSettings = new()
    {
        LayerCount = 6,
        ReductionAfterLayers = new[] { 0, 2, 4 },
        Stem = CnnStem.PatchWhitening,
        Activation = CnnActivation.GELU,
        GlobalPooling = CnnGlobalPooling.Max,
        LogitScale = 1.0 / 9,
    };

    private static CnnArchitecture? Airbench(CnnSearchSpace space)
    {
        CnnSearchSpaceOptions o = space.Options, a = AirbenchSettings;
        bool sameNetwork = o.LayerCount == a.LayerCount && o.ReductionAfterLayers.SequenceEqual(a.ReductionAfterLayers) && o.Stem == a.Stem
            && o.Activation == a.Activation && o.GlobalPooling == a.GlobalPooling && o.LogitScale == a.LogitScale
            && o.EffectiveSkipResize == a.EffectiveSkipResize;
        if (!sameNetwork)
            return null;
        return new CnnArchitecture(space, new[]
        {
            new CnnLayer(3, 3, 64),
            new CnnLayer(3, 3, 64, 0),
            new CnnLayer(3, 3, 256, 1),
            new CnnLayer(3, 3, 256, 2),
            new CnnLayer(3, 3, 256, 3),
            new CnnLayer(3, 3, 256, 4),
        });
    }
}
