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
internal abstract class EnasCellLayer : RecurrentLayer
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
            h = Step(cell, projected[t], h);
            outputs[t] = h;
        }
        return (stack(outputs, 0), h, c);
    }

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

    /// <summary>c ⊙ f(candidate) + (1 - c) ⊙ input, written as input + c ⊙ (f(candidate) - input), with c = sigmoid(gate).</summary>
    private static Tensor Highway(EnasCellNode node, Tensor projection, Tensor input)
    {
        Tensor[] halves = projection.chunk(2, -1);
        Tensor gate = halves[1].sigmoid();
        return input + gate * (SearchedRecurrentCell.Activate(node.Activation, halves[0]) - input);
    }
}
