using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// One time step of a searched cell: (x_t, h_(t-1), c_(t-1)) to (h_t, c_t), exactly as
/// <see cref="RecurrentCellSearchSpace"/> defines it. Leaf i computes f_i(W_i x_t ⊕ U_i h_(t-1)), internal nodes combine
/// their children, node k receives c_(t-1), c_t is node m's pre-activation output, h_t is the root's output.
/// All leaves' W_i (and U_i) live in one Linear of width leaves*hidden whose output is split in leaf order: one large
/// matrix product per step instead of one small product per leaf. Leaf i uses rows [i*hidden, (i+1)*hidden).
/// </summary>
internal sealed class SearchedRecurrentCell : nn.Module<Tensor, Tensor, Tensor, (Tensor H, Tensor C)>
{
    private readonly Linear input_projection;
    private readonly Linear hidden_projection;
    private readonly CellTree _tree;
    private readonly CellNodeOperation[] _nodes;
    private readonly CellNodeOperation _inject;
    private readonly int _injectNode;
    private readonly int _memoryNode;
    private readonly bool _anyLeafAdds;
    private readonly bool _anyLeafMultiplies;

    public SearchedRecurrentCell(RecurrentCellArchitecture architecture, int inputSize, int hiddenSize) : base(nameof(SearchedRecurrentCell))
    {
        ArgumentNullException.ThrowIfNull(architecture);
        _tree = architecture.CellSpace.Tree;
        _nodes = architecture.Nodes.ToArray();
        _inject = new CellNodeOperation(architecture.InjectCombination, architecture.InjectActivation);
        _injectNode = architecture.InjectNode;
        _memoryNode = architecture.MemoryNode;
        _anyLeafAdds = _nodes.Take(_tree.LeafCount).Any(n => n.Combination == CellCombination.Add);
        _anyLeafMultiplies = _nodes.Take(_tree.LeafCount).Any(n => n.Combination == CellCombination.Multiply);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        input_projection = nn.Linear(inputSize, (long)_tree.LeafCount * hiddenSize, hasBias: true);
        hidden_projection = nn.Linear(hiddenSize, (long)_tree.LeafCount * hiddenSize, hasBias: true);
        RegisterComponents();
    }

    public int InputSize { get; }

    public int HiddenSize { get; }

    /// <summary>Stacked W_i (rows i*hidden..) and their biases.</summary>
    public Linear InputProjection => input_projection;

    /// <summary>Stacked U_i (rows i*hidden..) and their biases.</summary>
    public Linear HiddenProjection => hidden_projection;

    /// <summary>One step from raw x_t [batch, input].</summary>
    public override (Tensor H, Tensor C) forward(Tensor x, Tensor h, Tensor c) => Step(ProjectInput(x), h, c);

    /// <summary>W x for every leaf at once; works on [batch, input] or a whole segment [seq, batch, input].</summary>
    public Tensor ProjectInput(Tensor x) => input_projection.forward(x);

    /// <summary>One step from the already projected input [batch, leaves*hidden] (see <see cref="ProjectInput"/>).</summary>
    public (Tensor H, Tensor C) Step(Tensor projectedInput, Tensor h, Tensor c)
    {
        // All leaves combine at once: one sum and/or one product over [batch, leaves*hidden], then split per leaf.
        // Fewer, larger operations than one per leaf; per-operation overhead dominates at PTB sizes.
        int leaves = _tree.LeafCount;
        var projectedHidden = hidden_projection.forward(h);
        var sums = _anyLeafAdds ? (projectedInput + projectedHidden).chunk(leaves, -1) : null;
        var products = _anyLeafMultiplies ? (projectedInput * projectedHidden).chunk(leaves, -1) : null;
        var outputs = new Tensor[_tree.NodeCount];
        Tensor? memory = null;
        for (int n = 0; n < outputs.Length; n++)
        {
            var op = _nodes[n];
            Tensor pre = _tree.IsLeaf(n)
                ? (op.Combination == CellCombination.Add ? sums! : products!)[n]
                : Combine(op.Combination, outputs[_tree.LeftChild(n)], outputs[_tree.RightChild(n)]);
            if (n == _memoryNode)
                memory = pre;
            Tensor output = Activate(op.Activation, pre);
            if (n == _injectNode)
                output = Activate(_inject.Activation, Combine(_inject.Combination, output, c));
            outputs[n] = output;
        }
        return (outputs[_tree.Root], memory!);
    }

    internal static Tensor Combine(CellCombination combination, Tensor a, Tensor b) => combination switch
    {
        CellCombination.Add => a + b,
        CellCombination.Multiply => a * b,
        _ => throw new ArgumentOutOfRangeException(nameof(combination), combination, "Unknown combination."),
    };

    internal static Tensor Activate(CellActivation activation, Tensor x) => activation switch
    {
        CellActivation.Identity => x,
        CellActivation.Tanh => x.tanh(),
        CellActivation.Sigmoid => x.sigmoid(),
        CellActivation.Relu => x.relu(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
