using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// The stand-alone ENAS cell of one architecture, unrolled over a segment: node 0's matrices and one [hidden to
/// 2 hidden] matrix per later node (node l's is node_projections[l-1]), what a child trained on its own holds.
/// </summary>
internal sealed class EnasRecurrentLayer : EnasCellLayer
{
    private readonly EnasCellArchitecture _cell;
    private readonly ModuleList<Linear> node_projections;

    public EnasRecurrentLayer(EnasCellArchitecture cell, int inputSize, int hiddenSize) : base(nameof(EnasRecurrentLayer), inputSize, hiddenSize)
    {
        _cell = cell ?? throw new ArgumentNullException(nameof(cell));
        node_projections = nn.ModuleList(Enumerable.Range(1, cell.Nodes.Count - 1)
            .Select(_ => nn.Linear(hiddenSize, 2L * hiddenSize, hasBias: false)).ToArray());
        register_module(nameof(node_projections), node_projections);
    }

    public EnasCellArchitecture Cell => _cell;

    /// <summary>Node <paramref name="node"/>'s matrix (node 1 or later): [2 hidden, hidden], candidate rows first.</summary>
    public Linear NodeProjectionOf(int node) => node_projections[node - 1];

    protected override EnasCellArchitecture CurrentCell => _cell;

    protected override Linear NodeProjection(int node, int previous) => node_projections[node - 1];
}
