using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
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

    /// <summary>
    /// <see cref="Step"/> as ONNX nodes, operation for operation: the two stacked projections as Gemm, one Add and/or
    /// Mul over all leaves, a Slice per leaf, then the tree in node order with the memory cell injected at its node.
    /// </summary>
    public (string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string x, string h, string c, string name)
    {
        string projectedInput = onnx.Linear(x, input_projection, name + ".input_projection");
        string projectedHidden = onnx.Linear(h, hidden_projection, name + ".hidden_projection");
        string? sums = _anyLeafAdds ? onnx.Binary("Add", projectedInput, projectedHidden, name + ".leaf_sums") : null;
        string? products = _anyLeafMultiplies ? onnx.Binary("Mul", projectedInput, projectedHidden, name + ".leaf_products") : null;
        var outputs = new string[_tree.NodeCount];
        string? memory = null;
        for (int n = 0; n < outputs.Length; n++)
        {
            var op = _nodes[n];
            string node = $"{name}.node{n}";
            string pre = _tree.IsLeaf(n)
                ? onnx.Slice(op.Combination == CellCombination.Add ? sums! : products!, (long)n * HiddenSize, (n + 1L) * HiddenSize, 1, 1, node)
                : ExportCombine(onnx, op.Combination, outputs[_tree.LeftChild(n)], outputs[_tree.RightChild(n)], node);
            if (n == _memoryNode)
                memory = pre;
            string output = ExportActivate(onnx, op.Activation, pre, node);
            if (n == _injectNode)
                output = ExportActivate(onnx, _inject.Activation, ExportCombine(onnx, _inject.Combination, output, c, node + ".inject"), node + ".inject");
            outputs[n] = output;
        }
        return (outputs[_tree.Root], memory!);
    }

    /// <summary><see cref="Combine"/> as an ONNX node; a combination without one is refused by name.</summary>
    internal static string ExportCombine(OnnxGraphBuilder onnx, CellCombination combination, string a, string b, string name) => combination switch
    {
        CellCombination.Add => onnx.Binary("Add", a, b, name + ".add"),
        CellCombination.Multiply => onnx.Binary("Mul", a, b, name + ".mul"),
        _ => throw new NotSupportedException($"The recurrent cell combination '{combination}' has no ONNX export."),
    };

    /// <summary><see cref="Activate"/> as an ONNX node (none for the identity); an activation without one is refused by name.</summary>
    internal static string ExportActivate(OnnxGraphBuilder onnx, CellActivation activation, string x, string name) => activation switch
    {
        CellActivation.Identity => x,
        CellActivation.Tanh => onnx.Unary("Tanh", x, name + ".tanh"),
        CellActivation.Sigmoid => onnx.Unary("Sigmoid", x, name + ".sigmoid"),
        CellActivation.Relu => onnx.Unary("Relu", x, name + ".relu"),
        _ => throw new NotSupportedException($"The recurrent cell activation '{activation}' has no ONNX export."),
    };

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
