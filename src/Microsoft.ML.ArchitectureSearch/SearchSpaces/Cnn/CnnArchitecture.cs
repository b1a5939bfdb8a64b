using System.Globalization;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// A child CNN of a <see cref="CnnSearchSpace"/>: typed layers, their token sequence, and the analytic
/// <see cref="CnnLayout"/> (shapes, parameters, multiply-adds). Construction validates against the space.
/// </summary>
internal sealed class CnnArchitecture : IArchitecture, IDrawableArchitecture
{
    /// <summary>
    /// Builds an architecture from typed layers. Each layer's <see cref="CnnLayer.Inputs"/> is a set of earlier layer
    /// indices (stored sorted; concatenation follows layer order). Throws <see cref="ArchitectureValidationException"/>
    /// naming the step of the first value the space does not allow, or the limit an architecture breaks.
    /// </summary>
    public CnnArchitecture(CnnSearchSpace space, IReadOnlyList<CnnLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (layers is null)
            throw new ArchitectureValidationException("The layer list is null.");
        CnnSearchSpaceOptions options = space.Options;
        if (layers.Count != options.LayerCount)
            throw new ArchitectureValidationException(
                $"The CNN space expects {options.LayerCount} layers; got {layers.Count}.");

        var normalized = new CnnLayer[layers.Count];
        var tokens = new int[space.Steps.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            CnnLayer layer = layers[i] ?? throw new ArchitectureValidationException($"Layer {i} is null.");
            int k = space.FirstStepOfLayer(i);
            if (layer.Operation.IsPooling())
            {
                // The window is fixed, so the kernel tokens mean nothing here: recorded as 0, so one network has one hash.
                if (layer.FilterHeight != CnnOperationNames.PoolWindow || layer.FilterWidth != CnnOperationNames.PoolWindow)
                    throw new ArchitectureValidationException(
                        $"Layer {i}: {layer.Operation.ToText()} has a fixed 3x3 window; its filter height and width must be 3, got {layer.FilterHeight}x{layer.FilterWidth}.");
                k += 2;
            }
            else
            {
                tokens[k] = IndexOf(options.FilterHeights, layer.FilterHeight, space.Steps[k]); k++;
                tokens[k] = IndexOf(options.FilterWidths, layer.FilterWidth, space.Steps[k]); k++;
            }

            tokens[k] = IndexOf(options.FilterCountsOf(i), layer.Filters, space.Steps[k]); k++;
            if (options.SearchOperations)
            {
                tokens[k] = IndexOf(options.Operations, layer.Operation, space.Steps[k]);
                k++;
            }
            else if (layer.Operation != options.Operations[0])
            {
                throw new ArchitectureValidationException(
                    $"Layer {i}: operation {layer.Operation.ToText()} is not in this space, whose layers all use {options.Operations[0].ToText()}.");
            }

            if (options.SearchStrides)
            {
                tokens[k] = IndexOf(options.Strides, layer.Stride, space.Steps[k]);
                k++;
            }
            else if (layer.Stride != 1)
            {
                throw new ArchitectureValidationException(
                    $"Layer {i}: stride {layer.Stride} needs a space with stride search on; this space only allows stride 1.");
            }

            if (options.SearchPooling)
            {
                tokens[k] = IndexOf(options.Poolings, layer.Pool, space.Steps[k]);
                k++;
            }
            else if (layer.Pool != CnnPooling.None)
            {
                throw new ArchitectureValidationException(
                    $"Layer {i}: pooling {layer.Pool.ToText()} needs a space with pooling search on; this space only allows none.");
            }

            if (layer.Inputs is null)
                throw new ArchitectureValidationException($"Layer {i}: the input list is null (use an empty list for the image).");
            var inputs = new SortedSet<int>();
            foreach (int j in layer.Inputs)
            {
                if (j < 0 || j >= i)
                    throw new ArchitectureValidationException(
                        $"Step 'skip {j}->{i}': layer {i} can only take inputs from earlier layers 0..{i - 1}; got {j}.");
                if (!inputs.Add(j))
                    throw new ArchitectureValidationException($"Step 'skip {j}->{i}': layer {i} lists input {j} twice.");
            }

            foreach (int j in inputs)
                tokens[k + j] = 1;
            normalized[i] = layer with { Inputs = inputs.ToArray() };
        }

        Space = space;
        Layers = normalized;
        Tokens = tokens;
        try
        {
            Layout = CnnLayout.Compute(options, normalized);
        }
        catch (OverflowException)
        {
            throw new ArchitectureValidationException(
                $"The architecture's sizes do not fit the arithmetic that counts them (over 2^31 channels in one map, or 2^63 parameters or multiply-adds): {DescribeLayers()}.");
        }
        if (options.MaxParameters is long maxParameters && Layout.ParameterCount > maxParameters)
            throw new ArchitectureValidationException(
                $"The architecture has {Layout.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, over MaxParameters = {maxParameters.ToString("N0", CultureInfo.InvariantCulture)}: {DescribeLayers()}.");
        if (options.MaxMultiplyAdds is long maxMultiplyAdds && Layout.MultiplyAdds > maxMultiplyAdds)
            throw new ArchitectureValidationException(
                $"The architecture needs {Layout.MultiplyAdds.ToString("N0", CultureInfo.InvariantCulture)} multiply-adds per image, over MaxMultiplyAdds = {maxMultiplyAdds.ToString("N0", CultureInfo.InvariantCulture)}: {DescribeLayers()}.");
        Hash = ArchitectureHash.Compute(space.Fingerprint, tokens);
    }

    public CnnSearchSpace Space { get; }

    ISearchSpace IArchitecture.Space => Space;

    public IReadOnlyList<CnnLayer> Layers { get; }

    public IReadOnlyList<int> Tokens { get; }

    /// <summary>Feature-map shapes and the counts below; the network is built from it.</summary>
    public CnnLayout Layout { get; }

    public long ParameterCount => Layout.ParameterCount;

    /// <summary>Convolution and classifier multiply-adds per image (see <see cref="CnnLayout"/>).</summary>
    public long MultiplyAdds => Layout.MultiplyAdds;

    public string Hash { get; }

    /// <summary>
    /// E.g. "6 layers: 3x3x36, 5x5x48 [from 0], ...; 123,456 parameters, 7,890,123 multiply-adds"; a space with
    /// reductions says "in N stages" and puts " | " where a reduction halves the resolution.
    /// </summary>
    public string Describe() =>
        $"{DescribeLayers()}; {ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters, {MultiplyAdds.ToString("N0", CultureInfo.InvariantCulture)} multiply-adds";

    public string ToJson() => CnnArchitectureJson.Write(this);

    public override string ToString() => Describe();

    public ArchitectureGraph ToGraph() => CnnArchitectureGraph.Build(this);

    /// <summary>"6 layers: a, b, ..."; with reductions "7 layers in 4 stages: a, b | c, d | ...", a bar per reduction.</summary>
    private string DescribeLayers()
    {
        CnnSearchSpaceOptions o = Space.Options;
        if (o.ReductionAfterLayers.Count == 0)
            return $"{Layers.Count} layers: {string.Join(", ", Layers)}";
        string layers = string.Concat(Layers.Select((l, i) => (i == 0 ? "" : o.ReducesAfter(i - 1) ? " | " : ", ") + l));
        return $"{Layers.Count} layers in {o.StageCount} stages: {layers}";
    }

    private static int IndexOf<T>(IReadOnlyList<T> choices, T value, DecisionStep step)
    {
        for (int t = 0; t < choices.Count; t++)
        {
            if (EqualityComparer<T>.Default.Equals(choices[t], value))
                return t;
        }

        string shown = value switch
        {
            CnnPooling pooling => pooling.ToText(),
            CnnOperation operation => operation.ToText(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        };
        throw new ArchitectureValidationException(
            $"Step '{step.Name}': {shown} is not one of the choices {string.Join(", ", step.Choices)}.");
    }
}
