using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// The shared ENAS cell of a weight-sharing search: node 0's matrices and one [hidden to 2 hidden] matrix for every
/// (node l, earlier node j) pair, N(N-1)/2 of them, as in Pham et al. (one matrix per pair, shared by the activations
/// a node may choose). A child is a sub-graph: node l of the <see cref="Child"/> set before a forward pass applies the
/// pair (l, j) of the node j it reads. The child is a setting rather than an argument so that the unchanged
/// <see cref="WordLanguageModel"/> (embedding, dropout, decoder) runs the shared cell like any other layer.
/// </summary>
internal sealed class SharedEnasCellLayer : EnasCellLayer
{
    private readonly ModuleList<Linear> pair_projections;
    private readonly int _nodes;

    public SharedEnasCellLayer(EnasCellSearchSpace space, int inputSize, int hiddenSize) : base(nameof(SharedEnasCellLayer), inputSize, hiddenSize)
    {
        ArgumentNullException.ThrowIfNull(space);
        _nodes = space.Options.Nodes;
        pair_projections = nn.ModuleList(Enumerable.Range(0, _nodes * (_nodes - 1) / 2)
            .Select(_ => nn.Linear(hiddenSize, 2L * hiddenSize, hasBias: false)).ToArray());
        register_module(nameof(pair_projections), pair_projections);
    }

    /// <summary>
    /// The shared weights start uniform in ±0.025, as in the ENAS authors' PyTorch port (their 0.04 is for training a
    /// derived cell), not ±1/sqrt(hidden): at 200 units that bound gives every matrix a spectral norm near 1.15, so a
    /// child of identity or ReLU nodes chained through 8 nodes and 35 steps amplified its state until the first shared
    /// epochs' loss was 1e33 (bench/results/ptb-standard, BENCHMARKS.md).
    /// </summary>
    public const double SharedInitialWeightBound = 0.025;

    /// <summary>
    /// The largest L2 norm a sample's state keeps from one time step to the next; a longer one is scaled down to it, as
    /// the ENAS authors' code does (norm 25): a child of unbounded activations otherwise explodes the shared weights
    /// that every later child inherits. The scale is a constant to the gradient.
    /// </summary>
    public const double MaxStateNorm = 25;

    protected override double InitialWeightBound => SharedInitialWeightBound;

    protected override Tensor LimitState(Tensor h)
    {
        using Tensor norms = h.norm(-1, keepdim: true);
        using Tensor scale = (MaxStateNorm / norms.clamp_min(1e-12)).clamp_max_(1.0).detach();
        return h * scale;
    }

    /// <summary>The sub-graph the next forward pass computes.</summary>
    public EnasCellArchitecture? Child { get; set; }

    /// <summary>The shared matrix node <paramref name="node"/> applies when it reads node <paramref name="previous"/>.</summary>
    public Linear PairProjection(int node, int previous)
    {
        if (node < 1 || node >= _nodes || previous < 0 || previous >= node)
            throw new ArgumentOutOfRangeException(nameof(node), $"No shared matrix for node {node} reading node {previous} in a {_nodes}-node cell.");
        return pair_projections[node * (node - 1) / 2 + previous];
    }

    protected override EnasCellArchitecture CurrentCell =>
        Child is { } child && child.Nodes.Count == _nodes
            ? child
            : throw new InvalidOperationException($"The shared ENAS cell runs a child of its own {_nodes}-node space; set Child before the forward pass.");

    protected override Linear NodeProjection(int node, int previous) => PairProjection(node, previous);
}
