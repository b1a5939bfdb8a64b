using static Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.CellActivation;
using static Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.CellCombination;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;

/// <summary>
/// The published cells every recurrent-cell search starts from, for the 8-leaf tree of Zoph &amp; Le (the default; nodes
/// numbered as in <see cref="CellTree"/>: leaves 0-7, then 8-11, 12-13, root 14). A space with another leaf count or
/// without the operations they use has none of them.
/// <list type="bullet">
/// <item><b>LSTM</b>: computes exactly the LSTM's function class. Leaves 0+1 (identity, added at node 8, sigmoid) give the
/// forget gate f; c_(t-1) is multiplied in at node 8 (f ⊙ c); leaf 2 (sigmoid) is the input gate i, leaf 3 (tanh) the
/// candidate g, node 9 = i ⊙ g; node 12 adds them, so its pre-activation is c_t = f ⊙ c_(t-1) + i ⊙ g, and its tanh
/// is tanh(c_t); leaves 4-7 (identity, summed through nodes 10, 11, 13, sigmoid) give the output gate o; the root
/// multiplies: h_t = o ⊙ tanh(c_t). The difference: f is a sigmoid of the sum of two leaves' projections and o of four,
/// where the LSTM has one each. A sum of affine maps is an affine map, so the functions are the same; the cell has 8
/// projection blocks where the LSTM has 4 (more parameters, the same model class), and with leaves 1, 5, 6 and 7 zero
/// it is the LSTM to the last bit of arithmetic order (tested against TorchSharp's LSTMCell).</item>
/// <item><b>NAS cell</b>: the PTB cell Zoph &amp; Le found (their Fig. 8; TensorFlow's NASCell): leaves sigmoid(+),
/// relu(+), sigmoid(+), relu(⊙), tanh(+), sigmoid(+), tanh(+), sigmoid(+); node 8 = tanh(⊙), 9 = tanh(+),
/// 10 = tanh(⊙), 11 = sigmoid(+); c_(t-1) injected at node 8 by tanh(+); node 12 = 8 ⊙ 9 with no activation, which is
/// c_t; node 13 = tanh(+); root = tanh(⊙). The difference: every leaf here has a bias on both its input and its hidden
/// projection, where NASCell has one bias per leaf on the hidden side; for added leaves the two biases are one, for the
/// multiplied leaf 3 the input-side bias is extra.</item>
/// </list>
/// The ENAS cell (Pham et al. 2018) is not offered: its space is a DAG in which each node reads one chosen earlier node
/// through its own highway gate and the output averages the unused nodes, which a fixed binary tree of
/// combinations cannot express.
/// </summary>
internal static class RecurrentCellReferences
{
    /// <summary>Leaves of the tree the published cells are drawn in.</summary>
    public const int Leaves = 8;

    public static IReadOnlyList<ReferenceArchitecture> For(RecurrentCellSearchSpace space) => ReferenceArchitecture.Members(
        ("LSTM", "An LSTM: c_t = f*c + i*g and h_t = o*tanh(c_t), with f and o sigmoids of sums of 2 and 4 leaf projections (the same functions, more parameters).",
            () => Lstm(space)),
        ("NAS cell", "Zoph & Le's published PTB cell (TensorFlow's NASCell), with an extra input-side bias on its multiplied leaf.",
            () => NasCell(space)));

    internal static RecurrentCellArchitecture? Lstm(RecurrentCellSearchSpace space) => space.Tree.LeafCount != Leaves ? null : new(space,
        new CellNodeOperation[]
        {
            new(Add, Identity), new(Add, Identity), new(Add, Sigmoid), new(Add, Tanh), // f (with leaf 1), i, g
            new(Add, Identity), new(Add, Identity), new(Add, Identity), new(Add, Identity), // o, summed over four leaves
            new(Add, Sigmoid), new(Multiply, Identity), new(Add, Identity), new(Add, Identity), // 8: f (then f*c), 9: i*g
            new(Add, Tanh), new(Add, Sigmoid), // 12: c_t = f*c + i*g, output tanh(c_t); 13: o
            new(Multiply, Identity), // root: h_t = o * tanh(c_t)
        },
        injectCombination: Multiply, injectActivation: Identity, injectNode: 8, memoryNode: 12);

    internal static RecurrentCellArchitecture? NasCell(RecurrentCellSearchSpace space) => space.Tree.LeafCount != Leaves ? null : new(space,
        new CellNodeOperation[]
        {
            new(Add, Sigmoid), new(Add, Relu), new(Add, Sigmoid), new(Multiply, Relu),
            new(Add, Tanh), new(Add, Sigmoid), new(Add, Tanh), new(Add, Sigmoid),
            new(Multiply, Tanh), new(Add, Tanh), new(Multiply, Tanh), new(Add, Sigmoid),
            new(Multiply, Identity), new(Add, Tanh),
            new(Multiply, Tanh),
        },
        injectCombination: Add, injectActivation: Tanh, injectNode: 8, memoryNode: 12);
}
