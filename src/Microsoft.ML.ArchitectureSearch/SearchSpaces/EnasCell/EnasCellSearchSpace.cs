using System.Globalization;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell.References;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;

/// <summary>
/// ENAS's recurrent-cell space (Pham et al. 2018, Sec. 2.1): N nodes evaluated in order. Node 0 reads x_t and h_(t-1):
/// c_0 = sigmoid(W_c x_t + U_c h_(t-1)), h_0 = c_0 ⊙ f_0(W_h x_t + U_h h_(t-1)) + (1 - c_0) ⊙ h_(t-1). Node l &gt; 0 reads
/// one earlier node j: c_l = sigmoid(h_j W_c^(l,j)), h_l = c_l ⊙ f_l(h_j W_h^(l,j)) + (1 - c_l) ⊙ h_j (a highway
/// connection). h_t is the mean of the loose ends, the nodes no other node reads. Decisions, in controller order:
/// node 0's activation; then for every node l = 1..N-1 (<see cref="DecisionStep.Layer"/> = l) the node it reads
/// (choices 0..l-1) and its activation, from RecurrentCellSearchSpaceOptions.Activations. 2N-1 steps, all
/// <see cref="DecisionKind.Choice"/>. The cell keeps no memory besides h: the language model's c passes through unchanged.
/// </summary>
internal sealed class EnasCellSearchSpace : ISearchSpace
{
    private readonly DecisionStep[] _steps;
    private readonly Lazy<IReadOnlyList<ReferenceArchitecture>> _references;

    public EnasCellSearchSpace(RecurrentCellSearchSpaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Cell != RecurrentCellKind.EnasDag)
            throw new ArgumentException($"The ENAS cell space needs Cell = EnasDag, got {options.Cell}.", nameof(options));
        Options = options.Copy();
        _steps = BuildSteps();
        CellFingerprint = string.Create(CultureInfo.InvariantCulture,
            $"enas-cell/v1;nodes={Options.Nodes};activations={string.Join(",", Options.Activations.Select(CellOperationNames.Of))}");
        // Only what changes the network a token sequence decodes to; dropout and the parameter budget do not.
        Fingerprint = CellFingerprint + string.Create(CultureInfo.InvariantCulture,
            $";embedding={Options.EmbeddingSize};hidden={Options.HiddenSize};vocabulary={Options.VocabularySize};layers={Options.Layers};tie={(Options.TieWeights ? 1 : 0)}");
        _references = new Lazy<IReadOnlyList<ReferenceArchitecture>>(() => EnasCellReferences.For(this));
    }

    public RecurrentCellSearchSpaceOptions Options { get; }

    public string Name => "enas-cell";

    public IReadOnlyList<DecisionStep> Steps => _steps;

    public string Fingerprint { get; }

    /// <summary>The part of <see cref="Fingerprint"/> that gives a cell's JSON its meaning, without the model around it.</summary>
    public string CellFingerprint { get; }

    /// <summary>The tanh chain and, in a 12-node space offering tanh and ReLU, the cell of ENAS's PTB training (see <see cref="EnasCellReferences"/>).</summary>
    public IReadOnlyList<ReferenceArchitecture> References => _references.Value;

    /// <summary>
    /// Null: every token sequence of in-range tokens is a cell. Node l's previous-node step offers only 0..l-1, each
    /// activation is offered, and the parameter count does not depend on the tokens (MaxParameters refuses all cells
    /// of a space or none).
    /// </summary>
    public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;

    public IArchitecture Decode(IReadOnlyList<int> tokens) => DecodeCell(tokens);

    /// <summary><see cref="Decode"/> with the typed result.</summary>
    public EnasCellArchitecture DecodeCell(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count != _steps.Length)
            throw new ArchitectureValidationException($"The {Options.Nodes}-node ENAS cell space expects {_steps.Length} tokens, got {tokens.Count}.");
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] < 0 || tokens[i] >= _steps[i].ChoiceCount)
                throw new ArchitectureValidationException($"Token {tokens[i]} at step {i} ('{_steps[i].Name}') is outside 0..{_steps[i].ChoiceCount - 1}.");
        }
        var nodes = new EnasCellNode[Options.Nodes];
        nodes[0] = new EnasCellNode(EnasCellNode.FirstNodeInput, Options.Activations[tokens[0]]);
        for (int n = 1; n < nodes.Length; n++)
            nodes[n] = new EnasCellNode(tokens[2 * n - 1], Options.Activations[tokens[2 * n]]);
        return new EnasCellArchitecture(this, nodes);
    }

    public IArchitecture FromJson(string json) => EnasCellArchitecture.FromJson(this, json);

    private DecisionStep[] BuildSteps()
    {
        string[] activations = Options.Activations.Select(CellOperationNames.Of).ToArray();
        var steps = new List<DecisionStep> { DecisionStep.Choice("node0.activation", 0, activations) };
        for (int n = 1; n < Options.Nodes; n++)
        {
            steps.Add(DecisionStep.Choice($"node{n}.previous", n, Enumerable.Range(0, n).Select(j => j.ToString(CultureInfo.InvariantCulture))));
            steps.Add(DecisionStep.Choice($"node{n}.activation", n, activations));
        }
        return steps.ToArray();
    }
}
