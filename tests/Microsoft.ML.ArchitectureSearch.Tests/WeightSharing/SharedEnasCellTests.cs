using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

/// <summary>The shared ENAS network: a child is the sub-graph of its (node, previous node) matrices.</summary>
public sealed class SharedEnasCellTests
{
    /// <summary>Copies what <paramref name="child"/> uses of the shared model into a stand-alone model of the child.</summary>
    private static void CopySubGraph(WordLanguageModel shared, WordLanguageModel alone, EnasCellArchitecture child)
    {
        using var noGrad = no_grad();
        var sharedParameters = shared.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in alone.named_parameters())
        {
            if (!name.Contains(".node_projections."))
                parameter.copy_(sharedParameters[name]);
        }
        for (int l = 0; l < alone.Layers.Count; l++)
        {
            var layer = (EnasRecurrentLayer)alone.Layers[l];
            var sharedLayer = (SharedEnasCellLayer)shared.Layers[l];
            for (int n = 1; n < child.Nodes.Count; n++)
                layer.NodeProjectionOf(n).weight!.copy_(sharedLayer.PairProjection(n, child.Nodes[n].Previous).weight!);
        }
    }

    [Fact]
    public void TheSharedSubGraphComputesExactlyWhatTheStandAloneCellComputesWithTheSameWeights()
    {
        using var scope = NewDisposeScope();
        EnasCellSearchSpace space = EnasCellSearchSpaceTests.Space(5, hidden: 8);
        using WordLanguageModel shared = LanguageModelNetworks.CreateShared(space);
        shared.ResetParameters(new Generator(21));
        shared.eval();
        var random = new Random(4);
        Tensor tokens = randint(0, space.Options.VocabularySize, new long[] { 6, 3 }, dtype: ScalarType.Int64, generator: new Generator(22));
        for (int trial = 0; trial < 5; trial++)
        {
            EnasCellArchitecture child = space.DecodeCell(space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray());
            using WordLanguageModel alone = LanguageModelNetworks.Create(child);
            alone.eval();
            CopySubGraph(shared, alone, child);
            LanguageModelNetworks.SelectChild(shared, child);

            var (h, c) = shared.InitialState(3);
            var (sharedLogits, sharedH, _) = shared.forward(tokens, h, c);
            var (aloneLogits, aloneH, _) = alone.forward(tokens, h, c);

            Assert.Equal(aloneLogits.data<float>().ToArray(), sharedLogits.data<float>().ToArray());
            Assert.Equal(aloneH.data<float>().ToArray(), sharedH.data<float>().ToArray());
        }
    }

    [Fact]
    public void EveryNodeAndPreviousNodePairHasItsOwnSharedMatrix()
    {
        EnasCellSearchSpace space = EnasCellSearchSpaceTests.Space(4, hidden: 8, layers: 1);
        using var layer = new SharedEnasCellLayer(space, 8, 8);
        var pairs = Enumerable.Range(1, 3).SelectMany(n => Enumerable.Range(0, n).Select(j => layer.PairProjection(n, j))).ToArray();
        Assert.Equal(6, pairs.Length);
        Assert.Equal(6, pairs.Distinct().Count());
        Assert.All(pairs, p => Assert.Equal(new long[] { 16, 8 }, p.weight!.shape));
        // Node 0's two matrices and the six pair matrices, nothing else.
        Assert.Equal(2 * 16 * 8 + 6 * 16 * 8, layer.parameters().Sum(p => p.numel()));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.PairProjection(2, 2));
        Assert.Throws<InvalidOperationException>(() => layer.forward(zeros(2, 1, 8), zeros(1, 8), zeros(1, 8)));
    }
}
