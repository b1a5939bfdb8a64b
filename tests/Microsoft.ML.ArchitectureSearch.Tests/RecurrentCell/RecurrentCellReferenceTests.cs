using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

public sealed class RecurrentCellReferenceTests
{
    private const int Input = 5;
    private const int Hidden = 4;
    private const int Batch = 3;

    private static RecurrentCellSearchSpace Space(int leaves = 8) =>
        new(new RecurrentCellSearchSpaceOptions { Leaves = leaves, EmbeddingSize = 16, HiddenSize = 16, VocabularySize = 50 });

    private static RecurrentCellArchitecture Named(RecurrentCellSearchSpace space, string name) =>
        (RecurrentCellArchitecture)Assert.Single(space.References, r => r.Name == name).Architecture;

    [Fact]
    public void TheDefaultSpaceOffersTheLstmAndNasCellsAsMembersThatReadBackFromTheirJson()
    {
        var space = Space();
        Assert.Equal(new[] { "LSTM", "NAS cell" }, space.References.Select(r => r.Name));
        foreach (ReferenceArchitecture reference in space.References)
        {
            Assert.Equal(reference.Architecture.Hash, space.Decode(reference.Architecture.Tokens).Hash);
            Assert.Equal(reference.Architecture.Hash, space.FromJson(reference.Architecture.ToJson()).Hash);
        }
    }

    [Fact]
    public void SpacesThatCannotExpressThePublishedCellsOfferNone()
    {
        Assert.Empty(Space(leaves: 4).References);
        Assert.Empty(new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { VocabularySize = 50, Activations = new[] { CellActivation.Tanh, CellActivation.Sigmoid } }).References);
    }

    /// <summary>
    /// The LSTM reference with TorchSharp's LSTMCell's weights (PyTorch gate order i, f, g, o) in leaves 2, 0, 3 and 4
    /// and zeros in leaves 1, 5, 6 and 7 computes the LSTMCell's h_t and c_t, over several steps.
    /// </summary>
    [Fact]
    public void TheLstmReferenceComputesTorchSharpsLstmCellWithTheSameWeights()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var lstm = nn.LSTMCell(Input, Hidden);
        using var cell = new SearchedRecurrentCell(Named(Space(), "LSTM"), Input, Hidden);
        Tensor Gate(Tensor stacked, int gate) => stacked.narrow(0, gate * Hidden, Hidden);
        Tensor Leaves(Tensor stacked)
        {
            Tensor zero = zeros_like(Gate(stacked, 0));
            // leaf: 0 = f, 1 = 0, 2 = i, 3 = g, 4 = o, 5..7 = 0; LSTMCell rows: i = 0, f = 1, g = 2, o = 3.
            return cat(new[] { Gate(stacked, 1), zero, Gate(stacked, 0), Gate(stacked, 2), Gate(stacked, 3), zero, zero, zero }, 0);
        }
        using (no_grad())
        {
            cell.InputProjection.weight!.copy_(Leaves(lstm.weight_ih!));
            cell.InputProjection.bias!.copy_(Leaves(lstm.bias_ih!));
            cell.HiddenProjection.weight!.copy_(Leaves(lstm.weight_hh!));
            cell.HiddenProjection.bias!.copy_(Leaves(lstm.bias_hh!));
        }
        var g = new Generator(5);
        Tensor h = randn(new long[] { Batch, Hidden }, generator: g), c = randn(new long[] { Batch, Hidden }, generator: g);
        Tensor hExpected = h, cExpected = c;
        for (int step = 0; step < 4; step++)
        {
            Tensor x = randn(new long[] { Batch, Input }, generator: g);
            (h, c) = cell.forward(x, h, c);
            (hExpected, cExpected) = lstm.forward(x, (hExpected, cExpected));
            Assert.True(allclose(h, hExpected, rtol: 0, atol: 1e-5), $"h differs at step {step}: max {(h - hExpected).abs().max().item<float>()}");
            Assert.True(allclose(c, cExpected, rtol: 0, atol: 1e-5), $"c differs at step {step}: max {(c - cExpected).abs().max().item<float>()}");
        }
    }

    /// <summary>The NAS cell's h_t and c_t written out from TensorFlow's NASCell equations, with this library's two biases per leaf.</summary>
    [Fact]
    public void TheNasCellReferenceComputesZophAndLesPublishedCell()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var cell = new SearchedRecurrentCell(Named(Space(), "NAS cell"), Input, Hidden);
        var g = new Generator(9);
        Tensor x = randn(new long[] { Batch, Input }, generator: g), h = randn(new long[] { Batch, Hidden }, generator: g), c = randn(new long[] { Batch, Hidden }, generator: g);
        Tensor[] xs = cell.InputProjection.forward(x).chunk(8, -1), hs = cell.HiddenProjection.forward(h).chunk(8, -1);
        Tensor Sig(Tensor t) => 1 / (1 + exp(-t));
        Tensor Relu(Tensor t) => where(t > 0, t, zeros_like(t));
        Tensor l0 = Sig(xs[0] + hs[0]), l1 = Relu(xs[1] + hs[1]), l2 = Sig(xs[2] + hs[2]), l3 = Relu(xs[3] * hs[3]);
        Tensor l4 = tanh(xs[4] + hs[4]), l5 = Sig(xs[5] + hs[5]), l6 = tanh(xs[6] + hs[6]), l7 = Sig(xs[7] + hs[7]);
        Tensor m0 = tanh(l0 * l1), m1 = tanh(l2 + l3), m2 = tanh(l4 * l5), m3 = Sig(l6 + l7);
        m0 = tanh(m0 + c);
        Tensor newC = m0 * m1;
        Tensor newH = tanh(newC * tanh(m2 + m3));
        (Tensor hOut, Tensor cOut) = cell.forward(x, h, c);
        Assert.True(allclose(hOut, newH, rtol: 0, atol: 1e-6));
        Assert.True(allclose(cOut, newC, rtol: 0, atol: 1e-6));
    }
}
