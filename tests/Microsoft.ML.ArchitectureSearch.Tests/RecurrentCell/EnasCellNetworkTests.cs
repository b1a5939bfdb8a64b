using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>The stand-alone ENAS cell against the formulas of Pham et al. (2018), Sec. 2.1, computed by hand.</summary>
public sealed class EnasCellNetworkTests
{
    private const int Input = 5;
    private const int Hidden = 3;
    private const int Batch = 2;

    /// <summary>c ⊙ f(candidate) + (1 - c) ⊙ input with c = 1/(1 + exp(-gate)), from a [batch, 2 hidden] pre-activation.</summary>
    private static Tensor Highway(Tensor pre, Func<Tensor, Tensor> f, Tensor input)
    {
        Tensor candidate = pre.narrow(1, 0, Hidden), gate = pre.narrow(1, Hidden, Hidden);
        Tensor c = 1 / (1 + exp(-gate));
        return c * f(candidate) + (1 - c) * input;
    }

    private static Tensor Relu(Tensor x) => where(x > 0, x, zeros_like(x));

    /// <summary>Known weights: node 0's [W; U] stacked as ENAS stores them, and each later node's matrix.</summary>
    private static (Tensor WU, Tensor[] Nodes) SetKnownWeights(EnasRecurrentLayer layer, int nodes)
    {
        var g = new Generator(11);
        Tensor w = randn(new long[] { 2 * Hidden, Input }, generator: g), u = randn(new long[] { 2 * Hidden, Hidden }, generator: g);
        Tensor[] later = Enumerable.Range(1, nodes - 1).Select(_ => randn(new long[] { 2 * Hidden, Hidden }, generator: g)).ToArray();
        using (no_grad())
        {
            layer.InputProjection.weight!.copy_(w);
            layer.HiddenProjection.weight!.copy_(u);
            for (int n = 1; n < nodes; n++)
                layer.NodeProjectionOf(n).weight!.copy_(later[n - 1]);
        }
        return (cat(new[] { w, u }, 1), later);
    }

    [Fact]
    public void TwoNodeCellComputesTheHighwayNodesByHand()
    {
        using var scope = NewDisposeScope();
        // Node 0 tanh on (x_t, h_(t-1)); node 1 reads node 0 with ReLU; node 1 is the only loose end.
        EnasCellArchitecture cell = EnasCellSearchSpaceTests.Space(2).DecodeCell(new[] { 1, 0, 3 });
        using var layer = new EnasRecurrentLayer(cell, Input, Hidden);
        var (wu, later) = SetKnownWeights(layer, 2);
        var g = new Generator(12);
        Tensor x = randn(new long[] { Batch, Input }, generator: g), h = randn(new long[] { Batch, Hidden }, generator: g);

        Tensor h0 = Highway(matmul(cat(new[] { x, h }, 1), wu.t()), tanh, h);
        Tensor expected = Highway(matmul(h0, later[0].t()), Relu, h0);

        Tensor actual = layer.Step(cell, layer.InputProjection.forward(x), h);
        Assert.True(allclose(actual, expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void ThreeNodeFanAveragesItsTwoLooseEnds()
    {
        using var scope = NewDisposeScope();
        // Node 0 identity; node 1 reads 0 with sigmoid, node 2 reads 0 with tanh: h_t is the mean of nodes 1 and 2.
        EnasCellArchitecture cell = EnasCellSearchSpaceTests.Space(3).DecodeCell(new[] { 0, 0, 2, 0, 1 });
        using var layer = new EnasRecurrentLayer(cell, Input, Hidden);
        var (wu, later) = SetKnownWeights(layer, 3);
        var g = new Generator(13);
        Tensor x = randn(new long[] { Batch, Input }, generator: g), h = randn(new long[] { Batch, Hidden }, generator: g);

        Tensor h0 = Highway(matmul(cat(new[] { x, h }, 1), wu.t()), t => t, h);
        Tensor h1 = Highway(matmul(h0, later[0].t()), t => 1 / (1 + exp(-t)), h0);
        Tensor h2 = Highway(matmul(h0, later[1].t()), tanh, h0);
        Tensor expected = (h1 + h2) / 2;

        Tensor actual = layer.Step(cell, layer.InputProjection.forward(x), h);
        Assert.True(allclose(actual, expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void UnrolledLayerEqualsStepwiseCellAndPassesTheMemoryThrough()
    {
        using var scope = NewDisposeScope();
        EnasCellArchitecture cell = EnasCellSearchSpaceTests.Space(4).DecodeCell(new[] { 1, 0, 3, 1, 1, 0, 2 });
        using var layer = new EnasRecurrentLayer(cell, Input, Hidden);
        var g = new Generator(14);
        layer.ResetParameters(g);
        Tensor xs = randn(new long[] { 4, Batch, Input }, generator: g);
        Tensor h = randn(new long[] { Batch, Hidden }, generator: g), c = randn(new long[] { Batch, Hidden }, generator: g);

        var (output, hn, cn) = layer.forward(xs, h, c);

        Tensor state = h;
        for (int t = 0; t < 4; t++)
        {
            state = layer.Step(cell, layer.InputProjection.forward(xs[t]), state);
            Assert.True(allclose(output[t], state, rtol: 1e-5, atol: 1e-6));
        }
        Assert.True(allclose(hn, state, rtol: 1e-5, atol: 1e-6));
        Assert.Same(c, cn);
        Assert.Throws<ArgumentException>(() => layer.forward(randn(4, Batch, Input + 1), h, c));
    }
}
