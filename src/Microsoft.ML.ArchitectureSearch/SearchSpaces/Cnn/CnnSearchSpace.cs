using System.Globalization;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.References;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// Zoph &amp; Le's CNN search space. Steps for layer i, in order: filter_height, filter_width, filters, [operation],
/// [stride], [pool], then one <see cref="DecisionStep.Skip"/> from every earlier layer j = 0..i-1 (token 1 = layer j's output is
/// an input of layer i). Layer 0 has no skip steps and always reads the image. With downsampling stages
/// (<see cref="CnnSearchSpaceOptions.ReductionAfterLayers"/>) the steps are the same; a layer's filters step offers its
/// stage's filter counts, and the reductions themselves are fixed, not decisions. The operation step exists when the
/// space offers several <see cref="CnnSearchSpaceOptions.Operations"/> (ENAS's macro space); a layer that chooses a 3x3
/// pooling ignores its filter height and width tokens, and its architecture records them as 0.
/// </summary>
internal sealed class CnnSearchSpace : ISearchSpace
{
    private readonly int[] layerFirstStep;

    public CnnSearchSpace(CnnSearchSpaceOptions? options = null)
    {
        options ??= new CnnSearchSpaceOptions();
        options.Validate();
        // Copy the lists so a caller mutating its arrays later cannot change what tokens mean.
        Options = options.Copy();
        Fingerprint = Options.ToCanonicalText();

        var steps = new List<DecisionStep>();
        layerFirstStep = new int[Options.LayerCount];
        for (int i = 0; i < Options.LayerCount; i++)
        {
            layerFirstStep[i] = steps.Count;
            steps.Add(DecisionStep.Choice($"layer{i}.filter_height", i, Labels(Options.FilterHeights)));
            steps.Add(DecisionStep.Choice($"layer{i}.filter_width", i, Labels(Options.FilterWidths)));
            steps.Add(DecisionStep.Choice($"layer{i}.filters", i, Labels(Options.FilterCountsOf(i))));
            if (Options.SearchOperations)
                steps.Add(DecisionStep.Choice($"layer{i}.operation", i, Options.Operations.Select(op => op.ToText())));
            if (Options.SearchStrides)
                steps.Add(DecisionStep.Choice($"layer{i}.stride", i, Labels(Options.Strides)));
            if (Options.SearchPooling)
                steps.Add(DecisionStep.Choice($"layer{i}.pool", i, Options.Poolings.Select(p => p.ToText())));
            for (int j = 0; j < i; j++)
                steps.Add(DecisionStep.Skip(j, i));
        }

        Steps = steps;
        _references = new Lazy<IReadOnlyList<ReferenceArchitecture>>(() => CnnReferences.For(this));
    }

    private readonly Lazy<IReadOnlyList<ReferenceArchitecture>> _references;

    /// <summary>The plain and dense 3x3 stacks and the airbench-like network, where they are members (see <see cref="CnnReferences"/>).</summary>
    public IReadOnlyList<ReferenceArchitecture> References => _references.Value;

    /// <summary>The validated options (lists copied).</summary>
    public CnnSearchSpaceOptions Options { get; }

    public string Name => "cnn";

    public IReadOnlyList<DecisionStep> Steps { get; }

    public string Fingerprint { get; }

    /// <summary>Index in <see cref="Steps"/> of layer <paramref name="layer"/>'s filter_height step.</summary>
    public int FirstStepOfLayer(int layer) => layerFirstStep[layer];

    /// <summary>Choice steps (filter height, width, count, optional operation, stride and pool) each layer starts with.</summary>
    internal int ChoiceStepsPerLayer => 3 + (Options.SearchOperations ? 1 : 0) + (Options.SearchStrides ? 1 : 0) + (Options.SearchPooling ? 1 : 0);

    /// <summary>
    /// Null: the space refuses no token for what earlier tokens chose. Strides and poolings divide sizes rounding up,
    /// so no map shrinks below 1x1; a layer may read any subset of earlier layers (none: the image); a pooling operation
    /// ignores its kernel tokens. Only the whole-network limits MaxParameters and MaxMultiplyAdds refuse architectures,
    /// and whether a prefix can still meet them depends on every later step, so they are not masked (the search loop
    /// logs such a child as invalid; weight sharing draws again).
    /// </summary>
    public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;

    /// <summary>Tokens to a typed architecture; throws <see cref="ArchitectureValidationException"/> naming the bad step.</summary>
    public CnnArchitecture Decode(IReadOnlyList<int> tokens)
    {
        if (tokens is null)
            throw new ArchitectureValidationException("The token sequence is null.");
        if (tokens.Count != Steps.Count)
            throw new ArchitectureValidationException(
                $"The CNN space with {Options.LayerCount} layers expects {Steps.Count} tokens; got {tokens.Count}.");
        for (int k = 0; k < tokens.Count; k++)
        {
            if (tokens[k] < 0 || tokens[k] >= Steps[k].ChoiceCount)
                throw new ArchitectureValidationException(
                    $"Step {k} '{Steps[k].Name}': token {tokens[k]} is out of range 0..{Steps[k].ChoiceCount - 1}.");
        }

        var layers = new CnnLayer[Options.LayerCount];
        for (int i = 0; i < layers.Length; i++)
        {
            int k = layerFirstStep[i];
            int height = Options.FilterHeights[tokens[k++]];
            int width = Options.FilterWidths[tokens[k++]];
            int filters = Options.FilterCountsOf(i)[tokens[k++]];
            CnnOperation operation = Options.Operations[Options.SearchOperations ? tokens[k++] : 0];
            if (operation.IsPooling())
                height = width = CnnOperationNames.PoolWindow;
            int stride = Options.SearchStrides ? Options.Strides[tokens[k++]] : 1;
            CnnPooling pool = Options.SearchPooling ? Options.Poolings[tokens[k++]] : CnnPooling.None;
            var inputs = new List<int>();
            for (int j = 0; j < i; j++, k++)
            {
                if (tokens[k] == 1)
                    inputs.Add(j);
            }

            layers[i] = new CnnLayer(height, width, filters, stride, pool, inputs) { Operation = operation };
        }

        return new CnnArchitecture(this, layers);
    }

    /// <summary>Reads what <see cref="CnnArchitecture.ToJson"/> wrote, validating it like <see cref="Decode"/>.</summary>
    public CnnArchitecture FromJson(string json) => CnnArchitectureJson.Read(this, json);

    /// <summary>
    /// Reads the document of a FixedArchitecture Fit on data of this space's input shape and class count: a document
    /// with 'settings' is read into the space they describe (stages, filter lists, layer count), with this space's input
    /// shape and class count; a document without them is read into this space, as <see cref="FromJson"/>.
    /// </summary>
    public CnnArchitecture FromJsonForData(string json) => CnnArchitectureJson.ReadForData(this, json);

    /// <summary>Reads a document into the space its own 'settings' describe (a saved model's architecture).</summary>
    public static CnnArchitecture FromStandaloneJson(string json) => CnnArchitectureJson.ReadStandalone(json);

    IArchitecture ISearchSpace.Decode(IReadOnlyList<int> tokens) => Decode(tokens);

    IArchitecture ISearchSpace.FromJson(string json) => FromJson(json);

    private static IEnumerable<string> Labels(IEnumerable<int> values) =>
        values.Select(v => v.ToString(CultureInfo.InvariantCulture));
}
