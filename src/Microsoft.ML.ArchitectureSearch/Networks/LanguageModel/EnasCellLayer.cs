using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// A layer running an ENAS cell (<see cref="EnasCellSearchSpace"/> defines it) over a segment. Node 0's matrices are
/// here: W (input) and U (hidden), each [2 hidden] wide, the first half the candidate, the second the highway gate;
/// W x for all time steps is one product up front. Where a later node's matrix comes from is the subclass's: the
/// stand-alone cell holds one per node, the shared network one per (node, node it reads) pair. No biases, as in ENAS.
/// The cell has no memory besides h: c passes through unchanged.
/// </summary>
internal abstract class EnasCellLayer : RecurrentLayer, IOnnxRecurrentStep
{
    private readonly Linear input_projection;
    private readonly Linear hidden_projection;

    protected EnasCellLayer(string name, int inputSize, int hiddenSize) : base(name, inputSize, hiddenSize)
    {
        input_projection = nn.Linear(inputSize, 2L * hiddenSize, hasBias: false);
        hidden_projection = nn.Linear(hiddenSize, 2L * hiddenSize, hasBias: false);
        register_module(nameof(input_projection), input_projection);
        register_module(nameof(hidden_projection), hidden_projection);
    }

    /// <summary>Node 0's W: [2 hidden, input], candidate rows first, then gate rows.</summary>
    public Linear InputProjection => input_projection;

    /// <summary>Node 0's U: [2 hidden, hidden], candidate rows first, then gate rows.</summary>
    public Linear HiddenProjection => hidden_projection;

    /// <summary>The cell this forward pass computes.</summary>
    protected abstract EnasCellArchitecture CurrentCell { get; }

    /// <summary>The [hidden to 2 hidden] matrix node <paramref name="node"/> applies to node <paramref name="previous"/>'s output.</summary>
    protected abstract Linear NodeProjection(int node, int previous);

    public override (Tensor Output, Tensor H, Tensor C) forward(Tensor input, Tensor h, Tensor c)
    {
        CheckShapes(input, h, c);
        EnasCellArchitecture cell = CurrentCell;
        Tensor projected = input_projection.forward(input);
        long steps = input.shape[0];
        var outputs = new Tensor[steps];
        for (long t = 0; t < steps; t++)
        {
            h = LimitState(Step(cell, projected[t], h));
            outputs[t] = h;
        }
        return (stack(outputs, 0), h, c);
    }

    /// <summary>What the next time step reads of this step's state: the state itself unless a subclass bounds it.</summary>
    protected virtual Tensor LimitState(Tensor h) => h;

    /// <summary>One time step from node 0's projected input W x_t [batch, 2 hidden] and h_(t-1) [batch, hidden].</summary>
    public Tensor Step(EnasCellArchitecture cell, Tensor projectedInput, Tensor h)
    {
        IReadOnlyList<EnasCellNode> nodes = cell.Nodes;
        var states = new Tensor[nodes.Count];
        states[0] = Highway(nodes[0], projectedInput + hidden_projection.forward(h), h);
        for (int n = 1; n < nodes.Count; n++)
        {
            Tensor read = states[nodes[n].Previous];
            states[n] = Highway(nodes[n], NodeProjection(n, nodes[n].Previous).forward(read), read);
        }
        IReadOnlyList<int> ends = cell.LooseEnds;
        Tensor sum = states[ends[0]];
        for (int i = 1; i < ends.Count; i++)
            sum = sum + states[ends[i]];
        return ends.Count == 1 ? sum : sum / ends.Count;
    }

    /// <summary><see cref="Step"/> as ONNX nodes, operation for operation in the same order.</summary>
    public (string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string x, string h, string c, string name)
    {
        EnasCellArchitecture cell = CurrentCell;
        IReadOnlyList<EnasCellNode> nodes = cell.Nodes;
        var states = new string[nodes.Count];
        string projected0 = onnx.Binary("Add", onnx.Linear(x, input_projection.weight!, name + ".input_projection"),
            onnx.Linear(h, hidden_projection.weight!, name + ".hidden_projection"), name + ".node0.projection");
        states[0] = ExportHighway(onnx, nodes[0], projected0, h, name + ".node0");
        for (int n = 1; n < nodes.Count; n++)
        {
            string read = states[nodes[n].Previous];
            string node = $"{name}.node{n}";
            states[n] = ExportHighway(onnx, nodes[n], onnx.Linear(read, NodeProjection(n, nodes[n].Previous).weight!, node + ".projection"), read, node);
        }
        IReadOnlyList<int> ends = cell.LooseEnds;
        string sum = states[ends[0]];
        for (int i = 1; i < ends.Count; i++)
            sum = onnx.Binary("Add", sum, states[ends[i]], $"{name}.loose_ends.add{i}");
        string output = ends.Count == 1 ? sum : onnx.Binary("Div", sum, onnx.Scalar(ends.Count, name + ".loose_ends.count"), name + ".loose_ends.mean");
        return (output, c);
    }

    /// <summary><see cref="Highway"/> as ONNX nodes: candidate and gate are the two halves of the projection's columns.</summary>
    private string ExportHighway(OnnxGraphBuilder onnx, EnasCellNode node, string projection, string input, string name)
    {
        string candidate = onnx.Slice(projection, 0, HiddenSize, 1, 1, name + ".candidate");
        string gate = onnx.Unary("Sigmoid", onnx.Slice(projection, HiddenSize, 2L * HiddenSize, 1, 1, name + ".gate"), name + ".gate.sigmoid");
        string activated = SearchedRecurrentCell.ExportActivate(onnx, node.Activation, candidate, name);
        string change = onnx.Binary("Mul", gate, onnx.Binary("Sub", activated, input, name + ".difference"), name + ".gated");
        return onnx.Binary("Add", input, change, name + ".highway");
    }

    /// <summary>c ⊙ f(candidate) + (1 - c) ⊙ input, written as input + c ⊙ (f(candidate) - input), with c = sigmoid(gate).</summary>
    private static Tensor Highway(EnasCellNode node, Tensor projection, Tensor input)
    {
        Tensor[] halves = projection.chunk(2, -1);
        Tensor gate = halves[1].sigmoid();
        return input + gate * (SearchedRecurrentCell.Activate(node.Activation, halves[0]) - input);
    }
}
