using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using static Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.CellActivation;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell.References;

/// <summary>
/// Hand-picked members of <see cref="EnasCellSearchSpace"/>:
/// <list type="bullet">
/// <item><b>tanh chain</b>: every node tanh and reading the node before it, so h_t is the last node: a deep-transition
/// highway tanh RNN (a recurrent highway network without biases), the closest member to a plain tanh RNN. It differs
/// from one by its highway gates (h_t = c ⊙ tanh(..) + (1 - c) ⊙ input of each node) and, with more than one node,
/// by its depth; a one-node space's tanh chain is a plain tanh RNN with a highway gate.</item>
/// <item><b>ENAS PTB cell</b>: the 12-node cell ENAS's authors train in their final PTB run (the fixed_arc
/// "0 0 0 1 1 2 1 2 0 2 0 5 1 1 0 6 1 8 1 8 1 8 1" of scripts/ptb_final.sh in github.com/melodyguan/enas, read with
/// their activation order tanh, ReLU, identity, sigmoid): node 0 tanh; nodes 1..11 read 0, 1, 2, 2, 2, 5, 1, 6, 8, 8, 8
/// with tanh, ReLU, ReLU, tanh, tanh, ReLU, tanh, ReLU, ReLU, ReLU, ReLU; h_t averages nodes 3, 4, 7, 9, 10, 11. Whether
/// this is exactly the cell drawn in the paper's Fig. 6 is not checked here. Differences: this library gives every
/// layer its own cell weights inside a 2-layer model with its own sizes and dropout (their model: 1 layer of 748 units
/// with several dropouts and weight tying), and no batch normalisation.</item>
/// </list>
/// </summary>
internal static class EnasCellReferences
{
    /// <summary>Nodes of the published PTB cell.</summary>
    public const int PtbCellNodes = 12;

    public static IReadOnlyList<ReferenceArchitecture> For(EnasCellSearchSpace space) => ReferenceArchitecture.Members(
        ("tanh chain", "A deep-transition highway tanh RNN: every node tanh, reading the node before it (a plain tanh RNN plus highway gates).",
            () => TanhChain(space)),
        ("ENAS PTB cell", "The 12-node cell of ENAS's final PTB training (github.com/melodyguan/enas scripts/ptb_final.sh), in this library's language model.",
            () => PtbCell(space)));

    internal static EnasCellArchitecture TanhChain(EnasCellSearchSpace space) => new(space,
        Enumerable.Range(0, space.Options.Nodes).Select(n => new EnasCellNode(n == 0 ? EnasCellNode.FirstNodeInput : n - 1, Tanh)).ToArray());

    internal static EnasCellArchitecture? PtbCell(EnasCellSearchSpace space)
    {
        if (space.Options.Nodes != PtbCellNodes)
            return null;
        int[] previous = { EnasCellNode.FirstNodeInput, 0, 1, 2, 2, 2, 5, 1, 6, 8, 8, 8 };
        CellActivation[] activations = { Tanh, Tanh, Relu, Relu, Tanh, Tanh, Relu, Tanh, Relu, Relu, Relu, Relu };
        return new EnasCellArchitecture(space, previous.Zip(activations, (p, a) => new EnasCellNode(p, a)).ToArray());
    }
}
