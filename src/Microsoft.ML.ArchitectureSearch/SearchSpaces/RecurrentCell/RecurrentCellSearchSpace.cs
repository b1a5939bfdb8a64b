using System.Globalization;
using System.Text;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>
/// Zoph &amp; Le's (2017) recurrent-cell search space. The cell is a full binary tree (see <see cref="CellTree"/>) with
/// L leaves. Decisions, in controller order:
/// <list type="number">
/// <item>For every node n = 0..2L-2 (<see cref="DecisionStep.Layer"/> = n): its combination and its activation. Leaf i
/// computes a_i = f_i(W_i x_t ⊕ U_i h_{t-1}); an internal node computes a_n = f_n(a_left ⊕ a_right).</item>
/// <item>The "cell inject" and "cell indices" (<see cref="DecisionStep.Layer"/> = 2L-1, a pseudo-node): the combination
/// ⊕_c and activation f_c that inject c_{t-1}; the node k that receives c_{t-1}, whose output becomes
/// a_k := f_c(a_k ⊕_c c_{t-1}) before its parent reads it; and the node m whose output before its activation becomes
/// the new memory c_t. As in the paper's worked example (Sec. 3.4), c_t is "the output of the tree at index m before
/// the activation". The memory is taken out at one node and fed in at another: m == k is rejected.</item>
/// </list>
/// The root's output is h_t. Every step is a <see cref="DecisionKind.Choice"/>; there are 4L+2 steps.
/// </summary>
internal sealed class RecurrentCellSearchSpace : ISearchSpace
{
    private readonly DecisionStep[] _steps;

    public RecurrentCellSearchSpace(RecurrentCellSearchSpaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options.Copy();
        Tree = new CellTree(options.Leaves);
        _steps = BuildSteps();
        CellFingerprint = BuildCellFingerprint();
        Fingerprint = BuildFingerprint();
        _references = new Lazy<IReadOnlyList<ReferenceArchitecture>>(() => RecurrentCellReferences.For(this));
    }

    private readonly Lazy<IReadOnlyList<ReferenceArchitecture>> _references;

    /// <summary>The LSTM-computing cell and Zoph &amp; Le's NAS cell, where they are members (see <see cref="RecurrentCellReferences"/>).</summary>
    public IReadOnlyList<ReferenceArchitecture> References => _references.Value;

    public RecurrentCellSearchSpaceOptions Options { get; }

    public CellTree Tree { get; }

    public string Name => "recurrent-cell";

    public IReadOnlyList<DecisionStep> Steps => _steps;

    public string Fingerprint { get; }

    /// <summary>
    /// The part of <see cref="Fingerprint"/> that gives a cell's JSON its meaning (leaves, node order, operation lists),
    /// without the language model around the cell, so a cell found on one corpus or model size can be read into another.
    /// </summary>
    public string CellFingerprint { get; }

    /// <summary>Index of the first of the four cell inject / cell index steps (after two steps per node).</summary>
    internal int InjectStepOffset => 2 * Tree.NodeCount;

    /// <summary>
    /// The memory-node step refuses the node the step before it chose for the inject (<see cref="RecurrentCellArchitecture"/>
    /// refuses m == k); every other step allows every choice. Parameters depend on the leaf count alone, so
    /// MaxParameters refuses all cells of a space or none, never a token.
    /// </summary>
    public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        int memoryStep = InjectStepOffset + 3;
        if (prefix.Count != memoryStep) return null;
        var allowed = new bool[Tree.NodeCount];
        Array.Fill(allowed, true);
        int injectNode = prefix[memoryStep - 1];
        if (injectNode >= 0 && injectNode < allowed.Length) allowed[injectNode] = false;
        return allowed;
    }

    public IArchitecture Decode(IReadOnlyList<int> tokens) => DecodeCell(tokens);

    /// <summary><see cref="Decode"/> with the typed result.</summary>
    public RecurrentCellArchitecture DecodeCell(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count != _steps.Length)
            throw new ArchitectureValidationException(
                $"The recurrent-cell space with {Tree.LeafCount} leaves expects {_steps.Length} tokens, got {tokens.Count}.");
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] < 0 || tokens[i] >= _steps[i].ChoiceCount)
                throw new ArchitectureValidationException(
                    $"Token {tokens[i]} at step {i} ('{_steps[i].Name}') is outside 0..{_steps[i].ChoiceCount - 1}.");
        }
        var nodes = new CellNodeOperation[Tree.NodeCount];
        for (int n = 0; n < nodes.Length; n++)
            nodes[n] = new CellNodeOperation(Options.Combinations[tokens[2 * n]], Options.Activations[tokens[2 * n + 1]]);
        int o = InjectStepOffset;
        return new RecurrentCellArchitecture(
            this,
            nodes,
            injectCombination: Options.Combinations[tokens[o]],
            injectActivation: Options.Activations[tokens[o + 1]],
            injectNode: tokens[o + 2],
            memoryNode: tokens[o + 3]);
    }

    public IArchitecture FromJson(string json) => RecurrentCellArchitecture.FromJson(this, json);

    /// <summary>Reads a document into the space its own 'settings' describe (a saved model's architecture).</summary>
    public static RecurrentCellArchitecture FromStandaloneJson(string json) => RecurrentCellArchitecture.FromStandaloneJson(json);

    private DecisionStep[] BuildSteps()
    {
        var combinations = Options.Combinations.Select(CellOperationNames.Of).ToArray();
        var activations = Options.Activations.Select(CellOperationNames.Of).ToArray();
        var nodeLabels = Enumerable.Range(0, Tree.NodeCount).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
        var steps = new List<DecisionStep>();
        for (int n = 0; n < Tree.NodeCount; n++)
        {
            string kind = Tree.IsLeaf(n) ? "leaf" : "node";
            steps.Add(DecisionStep.Choice($"{kind}{n}.combination", n, combinations));
            steps.Add(DecisionStep.Choice($"{kind}{n}.activation", n, activations));
        }
        int cell = Tree.NodeCount;
        steps.Add(DecisionStep.Choice("inject.combination", cell, combinations));
        steps.Add(DecisionStep.Choice("inject.activation", cell, activations));
        steps.Add(DecisionStep.Choice("inject.node", cell, nodeLabels));
        steps.Add(DecisionStep.Choice("memory.node", cell, nodeLabels));
        return steps.ToArray();
    }

    private string BuildCellFingerprint()
    {
        var o = Options;
        var text = new StringBuilder();
        text.Append("recurrent-cell/v1");
        text.Append(CultureInfo.InvariantCulture, $";leaves={o.Leaves};order=level");
        text.Append(";combinations=").Append(string.Join(",", o.Combinations.Select(CellOperationNames.Of)));
        text.Append(";activations=").Append(string.Join(",", o.Activations.Select(CellOperationNames.Of)));
        return text.ToString();
    }

    private string BuildFingerprint()
    {
        // Only what changes the network a token sequence decodes to; dropout and the parameter budget do not.
        var o = Options;
        return CellFingerprint + string.Create(CultureInfo.InvariantCulture,
            $";embedding={o.EmbeddingSize};hidden={o.HiddenSize};vocabulary={o.VocabularySize};layers={o.Layers};tie={(o.TieWeights ? 1 : 0)}");
    }
}
