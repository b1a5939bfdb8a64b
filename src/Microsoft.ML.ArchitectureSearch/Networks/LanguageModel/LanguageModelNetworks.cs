using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// Word language models of either cell space: the one place that turns a language-model architecture into its
/// network, and builds the shared network of the ENAS space.
/// </summary>
internal static class LanguageModelNetworks
{
    /// <summary>The stand-alone network of <paramref name="architecture"/>, shaped by its space's options.</summary>
    public static WordLanguageModel Create(ILanguageModelArchitecture architecture) => architecture switch
    {
        RecurrentCellArchitecture tree => WordLanguageModel.CreateSearched(tree),
        EnasCellArchitecture enas => Build(enas.ModelOptions, (input, hidden) => new EnasRecurrentLayer(enas, input, hidden)),
        null => throw new ArgumentNullException(nameof(architecture)),
        _ => throw new ArgumentException($"No language model is built for {architecture.GetType().Name}.", nameof(architecture)),
    };

    /// <summary>One network holding the weights of every child of <paramref name="space"/> (each layer a <see cref="SharedEnasCellLayer"/>).</summary>
    public static WordLanguageModel CreateShared(EnasCellSearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return Build(space.Options, (input, hidden) => new SharedEnasCellLayer(space, input, hidden));
    }

    /// <summary>Selects the sub-graph of <paramref name="child"/> in every layer of a network <see cref="CreateShared"/> built.</summary>
    public static void SelectChild(WordLanguageModel shared, EnasCellArchitecture child)
    {
        foreach (RecurrentLayer layer in shared.Layers)
            ((SharedEnasCellLayer)layer).Child = child;
    }

    private static WordLanguageModel Build(RecurrentCellSearchSpaceOptions o, Func<int, int, RecurrentLayer> layer) =>
        new(o.VocabularySize, o.EmbeddingSize,
            Enumerable.Range(0, o.Layers).Select(i => layer(i == 0 ? o.EmbeddingSize : o.HiddenSize, o.HiddenSize)).ToArray(),
            o.Dropout, o.TieWeights);
}
