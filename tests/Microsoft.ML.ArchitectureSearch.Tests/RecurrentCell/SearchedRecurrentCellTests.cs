using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

public class SearchedRecurrentCellTests
{
    private const int Input = 5;
    private const int Hidden = 3;
    private const int Batch = 2;

    private static RecurrentCellSearchSpace Space(int leaves, bool tie = false, int emb = 16, int hidden = 16) =>
        new(new RecurrentCellSearchSpaceOptions
        {
            Leaves = leaves, EmbeddingSize = emb, HiddenSize = hidden, VocabularySize = 50, Layers = 2, TieWeights = tie,
        });

    /// <summary>Fills the cell's stacked projections with seeded values so the hand computation can slice them.</summary>
    private static (Tensor Wx, Tensor Bx, Tensor Wh, Tensor Bh) SetKnownWeights(SearchedRecurrentCell cell, int leaves)
    {
        var g = new Generator(42);
        var wx = randn(new long[] { leaves * Hidden, Input }, generator: g);
        var bx = randn(new long[] { leaves * Hidden }, generator: g);
        var wh = randn(new long[] { leaves * Hidden, Hidden }, generator: g);
        var bh = randn(new long[] { leaves * Hidden }, generator: g);
        using (no_grad())
        {
            cell.InputProjection.weight!.copy_(wx);
            cell.InputProjection.bias!.copy_(bx);
            cell.HiddenProjection.weight!.copy_(wh);
            cell.HiddenProjection.bias!.copy_(bh);
        }
        return (wx, bx, wh, bh);
    }

    /// <summary>Leaf i's W_i x + b and U_i h + b, sliced by hand from the stacked matrices.</summary>
    private static (Tensor X, Tensor H) Leaf(int i, Tensor x, Tensor h, (Tensor Wx, Tensor Bx, Tensor Wh, Tensor Bh) w)
    {
        var rows = arange(i * Hidden, (i + 1) * Hidden);
        var fx = matmul(x, w.Wx.index_select(0, rows).t()) + w.Bx.index_select(0, rows);
        var fh = matmul(h, w.Wh.index_select(0, rows).t()) + w.Bh.index_select(0, rows);
        return (fx, fh);
    }

    /// <summary>max(x, 0) written out, independent of the cell's activation code.</summary>
    private static Tensor Relu(Tensor x) => where(x > 0, x, zeros_like(x));

    [Fact]
    public void TwoLeafCellComputesThePapersWorkedExample()
    {
        using var scope = NewDisposeScope();
        // Zoph & Le Sec. 3.4 / Fig. 5, tokens as in RecurrentCellSearchSpaceTests.
        var architecture = Space(2).DecodeCell(new[] { 0, 1, 1, 3, 1, 2, 0, 3, 0, 1 });
        using var cell = new SearchedRecurrentCell(architecture, Input, Hidden);
        var w = SetKnownWeights(cell, 2);
        var g = new Generator(7);
        var x = randn(new long[] { Batch, Input }, generator: g);
        var h = randn(new long[] { Batch, Hidden }, generator: g);
        var c = randn(new long[] { Batch, Hidden }, generator: g);

        var (x0, h0) = Leaf(0, x, h, w);
        var (x1, h1) = Leaf(1, x, h, w);
        var a0 = tanh(x0 + h0);                 // a_0 = tanh(W1 x + W2 h)
        var a1 = Relu(x1 * h1);                 // a_1 = ReLU((W3 x) ⊙ (W4 h))
        var a0New = Relu(a0 + c);               // a_0^new = ReLU(a_0 + c_(t-1))
        var expectedH = sigmoid(a0New * a1);    // h_t = a_2 = sigmoid(a_0^new ⊙ a_1)
        var expectedC = x1 * h1;                // c_t = (W3 x) ⊙ (W4 h), tree index 1 before activation

        var (ht, ct) = cell.forward(x, h, c);
        Assert.True(allclose(ht, expectedH, rtol: 1e-5, atol: 1e-6));
        Assert.True(allclose(ct, expectedC, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void FourLeafCellMatchesHandWrittenReference()
    {
        using var scope = NewDisposeScope();
        var space = Space(4);
        var nodes = new[]
        {
            new CellNodeOperation(CellCombination.Add, CellActivation.Tanh),          // leaf 0
            new CellNodeOperation(CellCombination.Multiply, CellActivation.Sigmoid),  // leaf 1
            new CellNodeOperation(CellCombination.Add, CellActivation.Relu),          // leaf 2
            new CellNodeOperation(CellCombination.Multiply, CellActivation.Identity), // leaf 3
            new CellNodeOperation(CellCombination.Multiply, CellActivation.Tanh),     // node 4 = (0, 1)
            new CellNodeOperation(CellCombination.Add, CellActivation.Sigmoid),       // node 5 = (2, 3)
            new CellNodeOperation(CellCombination.Add, CellActivation.Tanh),          // root 6 = (4, 5)
        };
        var architecture = new RecurrentCellArchitecture(space, nodes, CellCombination.Multiply, CellActivation.Relu, injectNode: 5, memoryNode: 4);
        using var cell = new SearchedRecurrentCell(architecture, Input, Hidden);
        var w = SetKnownWeights(cell, 4);
        var g = new Generator(8);
        var x = randn(new long[] { Batch, Input }, generator: g);
        var h = randn(new long[] { Batch, Hidden }, generator: g);
        var c = randn(new long[] { Batch, Hidden }, generator: g);

        var l = Enumerable.Range(0, 4).Select(i => Leaf(i, x, h, w)).ToArray();
        var a0 = tanh(l[0].X + l[0].H);
        var a1 = sigmoid(l[1].X * l[1].H);
        var a2 = Relu(l[2].X + l[2].H);
        var a3 = l[3].X * l[3].H;
        var pre4 = a0 * a1;
        var a4 = tanh(pre4);
        var a5 = Relu(sigmoid(a2 + a3) * c);    // c_(t-1) injected at node 5 with multiply, relu
        var expectedH = tanh(a4 + a5);
        var expectedC = pre4;                   // node 4 before its activation

        var (ht, ct) = cell.forward(x, h, c);
        Assert.True(allclose(ht, expectedH, rtol: 1e-5, atol: 1e-6));
        Assert.True(allclose(ct, expectedC, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void UnrolledLayerEqualsStepwiseCell()
    {
        using var scope = NewDisposeScope();
        var space = Space(4);
        var tokens = space.Steps.Select((s, i) => (i * 7 + 3) % s.ChoiceCount).ToArray();
        tokens[^2] = 2;
        tokens[^1] = 6;
        var architecture = space.DecodeCell(tokens);
        using var layer = new SearchedRecurrentLayer(architecture, Input, Hidden);
        var g = new Generator(9);
        layer.ResetParameters(g);
        var xs = randn(new long[] { 4, Batch, Input }, generator: g);
        var h = randn(new long[] { Batch, Hidden }, generator: g);
        var c = randn(new long[] { Batch, Hidden }, generator: g);
        var (output, hn, cn) = layer.forward(xs, h, c);
        Assert.Equal(new long[] { 4, Batch, Hidden }, output.shape);
        var (sh, sc) = (h, c);
        for (int step = 0; step < 4; step++)
        {
            (sh, sc) = layer.Cell.forward(xs[step], sh, sc);
            Assert.True(allclose(output[step], sh, rtol: 1e-5, atol: 1e-6));
        }
        Assert.True(allclose(hn, sh, rtol: 1e-5, atol: 1e-6));
        Assert.True(allclose(cn, sc, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => layer.forward(randn(4, Batch, Input + 1), h, c));
    }

    [Theory]
    [InlineData(4, false, 16, 24)]
    [InlineData(8, true, 16, 16)]
    [InlineData(2, false, 8, 8)]
    public void AnalyticParameterCountEqualsBuiltModel(int leaves, bool tie, int emb, int hidden)
    {
        var space = Space(leaves, tie, emb, hidden);
        var tokens = space.Steps.Select(s => 0).ToArray();
        tokens[^1] = 1;
        var architecture = space.DecodeCell(tokens);
        using var model = WordLanguageModel.CreateSearched(architecture);
        Assert.Equal(architecture.ParameterCount, model.ParameterCount);
        using var lstm = WordLanguageModel.CreateLstm(space.Options);
        Assert.Equal(LanguageModelCost.LstmParameterCount(space.Options), lstm.ParameterCount);
        // The searched cell with L leaves has L/4 times the LSTM's recurrent weights.
        long embeddingAndDecoder = 50L * emb + (tie ? 0 : 50L * hidden) + 50;
        Assert.Equal((architecture.ParameterCount - embeddingAndDecoder) * 4, (lstm.ParameterCount - embeddingAndDecoder) * leaves);
    }

    [Fact]
    public void MultiplyAddsCountProjectionsProductsAndDecoder()
    {
        // Paper example cell (leaf 1 and the root multiply), 2 layers of 16, embedding 16, vocabulary 50.
        var architecture = Space(2).DecodeCell(new[] { 0, 1, 1, 3, 1, 2, 0, 3, 0, 1 });
        long perLayer = 2 * 16 * (16 + 16) + 2 * 16; // W and U for two leaves, two elementwise products
        Assert.Equal(2 * perLayer + 16 * 50, architecture.MultiplyAdds);
        var options = Space(2).Options;
        Assert.Equal(2 * (4 * 16 * 32 + 3 * 16) + 16 * 50, LanguageModelCost.LstmMultiplyAddsPerToken(options));
    }

    [Fact]
    public void ModelReturnsLogitsPerTokenAndStatePerLayer()
    {
        using var scope = NewDisposeScope();
        var space = Space(2, tie: true);
        using var model = WordLanguageModel.CreateSearched(space.DecodeCell(new[] { 0, 1, 1, 3, 1, 2, 0, 3, 0, 1 }));
        model.ResetParameters(new Generator(1));
        var (h, c) = model.InitialState(3);
        var tokens = randint(0, 50, new long[] { 7, 3 }, dtype: ScalarType.Int64);
        var (logits, hn, cn) = model.forward(tokens, h, c);
        Assert.Equal(new long[] { 21, 50 }, logits.shape);
        Assert.Equal(new long[] { 2, 3, 16 }, hn.shape);
        Assert.Equal(new long[] { 2, 3, 16 }, cn.shape);
        Assert.Throws<ArgumentException>(() => model.forward(tokens.to(ScalarType.Int32), h, c));

        // Tying means one tensor: changing the embedding changes the decoder.
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            parameters["encoder.weight"].mul_(2);
        Assert.True(allclose(parameters["encoder.weight"], parameters["decoder.weight"], rtol: 0, atol: 0));
        Assert.True(parameters["decoder.weight"].abs().sum().item<float>() > 0);
    }
}
