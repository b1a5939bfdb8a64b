using System.Globalization;
using System.Text.Json;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>What one tree node does: a_n = activation(combination(inputs)).</summary>
internal sealed record CellNodeOperation(CellCombination Combination, CellActivation Activation);

/// <summary>
/// One recurrent cell of <see cref="RecurrentCellSearchSpace"/>, typed: an operation per tree node, the c_{t-1} inject
/// (node, combination, activation) and the node whose pre-activation output becomes c_t. Validated on construction.
/// </summary>
internal sealed class RecurrentCellArchitecture : ILanguageModelArchitecture, IDrawableArchitecture
{
    private readonly CellNodeOperation[] _nodes;
    private readonly int[] _tokens;

    /// <summary>Builds and validates a cell; throws <see cref="ArchitectureValidationException"/> naming the problem.</summary>
    public RecurrentCellArchitecture(
        RecurrentCellSearchSpace space,
        IReadOnlyList<CellNodeOperation> nodes,
        CellCombination injectCombination,
        CellActivation injectActivation,
        int injectNode,
        int memoryNode)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(nodes);
        CellSpace = space;
        var tree = space.Tree;
        if (nodes.Count != tree.NodeCount)
            throw new ArchitectureValidationException(
                $"A cell with {tree.LeafCount} leaves has {tree.NodeCount} tree nodes, got {nodes.Count} node operations.");
        if (injectNode < 0 || injectNode >= tree.NodeCount)
            throw new ArchitectureValidationException(
                $"c_(t-1) is injected at node {injectNode}, which does not exist (nodes are 0..{tree.NodeCount - 1}).");
        if (memoryNode < 0 || memoryNode >= tree.NodeCount)
            throw new ArchitectureValidationException(
                $"c_t is taken from node {memoryNode}, which does not exist (nodes are 0..{tree.NodeCount - 1}).");
        if (injectNode == memoryNode)
            throw new ArchitectureValidationException(
                $"c_t is taken from node {memoryNode} and c_(t-1) is injected at the same node; the memory must leave the tree at a different node than it enters.");
        _nodes = nodes.ToArray();
        for (int n = 0; n < _nodes.Length; n++)
        {
            if (_nodes[n] is null)
                throw new ArchitectureValidationException($"Tree node {n} has no operation.");
            CheckOffered(_nodes[n].Combination, $"node {n}");
            CheckOffered(_nodes[n].Activation, $"node {n}");
        }
        CheckOffered(injectCombination, "the inject");
        CheckOffered(injectActivation, "the inject");
        InjectCombination = injectCombination;
        InjectActivation = injectActivation;
        InjectNode = injectNode;
        MemoryNode = memoryNode;
        _tokens = BuildTokens();

        var o = space.Options;
        int products = _nodes.Count(n => n.Combination == CellCombination.Multiply)
            + (injectCombination == CellCombination.Multiply ? 1 : 0);
        try
        {
            ParameterCount = LanguageModelCost.ParameterCount(o.VocabularySize, o.EmbeddingSize, o.HiddenSize, o.Layers, tree.LeafCount, o.TieWeights);
            MultiplyAdds = LanguageModelCost.MultiplyAddsPerToken(o.VocabularySize, o.EmbeddingSize, o.HiddenSize, o.Layers, tree.LeafCount, products);
        }
        catch (OverflowException)
        {
            throw new ArchitectureValidationException(
                $"The language model's sizes (embedding {o.EmbeddingSize}, hidden {o.HiddenSize}, {o.Layers} layers, vocabulary {o.VocabularySize}) " +
                "give more than 2^63 parameters or multiply-adds.");
        }
        if (o.MaxParameters is { } max && ParameterCount > max)
            throw new ArchitectureValidationException(
                $"The language model has {ParameterCount:N0} parameters, more than MaxParameters = {max:N0}.");
        Hash = ArchitectureHash.Compute(space.Fingerprint, _tokens);
    }

    public RecurrentCellSearchSpace CellSpace { get; }

    public ArchitectureGraph ToGraph() => RecurrentCellArchitectureGraph.Build(this);

    public ISearchSpace Space => CellSpace;

    public RecurrentCellSearchSpaceOptions ModelOptions => CellSpace.Options;

    /// <summary>Operations of tree nodes 0..2L-2 (leaves first, root last; see <see cref="CellTree"/>).</summary>
    public IReadOnlyList<CellNodeOperation> Nodes => _nodes;

    public CellCombination InjectCombination { get; }

    public CellActivation InjectActivation { get; }

    /// <summary>The node whose output a_k becomes inject_activation(a_k ⊕ c_(t-1)).</summary>
    public int InjectNode { get; }

    /// <summary>The node whose output before its activation becomes c_t.</summary>
    public int MemoryNode { get; }

    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>The whole language model: embedding, every layer's W/U per leaf with biases, decoder (tying respected).</summary>
    public long ParameterCount { get; }

    public long MultiplyAdds { get; }

    public string Hash { get; }

    public string Describe()
    {
        var tree = CellSpace.Tree;
        var parts = new List<string>();
        for (int n = 0; n < _nodes.Length; n++)
        {
            string inputs = tree.IsLeaf(n) ? "x,h" : $"{tree.LeftChild(n)},{tree.RightChild(n)}";
            parts.Add($"{n}={CellOperationNames.Of(_nodes[n].Activation)}({CellOperationNames.Of(_nodes[n].Combination)} {inputs})");
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{tree.LeafCount}-leaf cell: {string.Join(", ", parts)}; c_(t-1) -> node {InjectNode} via " +
            $"{CellOperationNames.Of(InjectActivation)}({CellOperationNames.Of(InjectCombination)}); c_t <- node {MemoryNode}; " +
            $"{ParameterCount:N0} params");
    }

    public string ToJson()
    {
        var dto = new CellJson
        {
            Space = CellSpace.Name,
            Fingerprint = CellSpace.Fingerprint,
            Nodes = _nodes.Select(n => new NodeJson
            {
                Combination = CellOperationNames.Of(n.Combination),
                Activation = CellOperationNames.Of(n.Activation),
            }).ToArray(),
            Inject = new InjectJson
            {
                Node = InjectNode,
                Combination = CellOperationNames.Of(InjectCombination),
                Activation = CellOperationNames.Of(InjectActivation),
            },
            MemoryNode = MemoryNode,
            Settings = CellSpace.Options,
        };
        return JsonSerializer.Serialize(dto, JsonOptions);
    }

    /// <summary>
    /// Reads <see cref="ToJson"/> output into the space its own 'settings' describe, model around the cell included
    /// (how a saved model rebuilds its network).
    /// </summary>
    public static RecurrentCellArchitecture FromStandaloneJson(string json)
    {
        CellJson dto = Parse(json);
        RecurrentCellSearchSpace space = ArchitectureDocument.SpaceFromSettings(dto.Settings, s => new RecurrentCellSearchSpace(s), What);
        if (dto.Fingerprint != space.Fingerprint)
            throw new ArchitectureValidationException(
                $"The {What} JSON's fingerprint {UserText.Quote(dto.Fingerprint)} does not match its own settings ({UserText.Quote(space.Fingerprint)}).");
        return FromJson(space, dto);
    }

    /// <summary>Reads <see cref="ToJson"/> output; checks it belongs to <paramref name="space"/> and validates it.</summary>
    public static RecurrentCellArchitecture FromJson(RecurrentCellSearchSpace space, string json)
    {
        ArgumentNullException.ThrowIfNull(space);
        return FromJson(space, Parse(json));
    }

    private const string What = "recurrent-cell architecture";

    private static CellJson Parse(string json) => ArchitectureDocument.Parse<CellJson>(json, JsonOptions, What);

    private static RecurrentCellArchitecture FromJson(RecurrentCellSearchSpace space, CellJson dto)
    {
        if (dto.Nodes is null || dto.Inject is null || dto.MemoryNode is null)
            throw new ArchitectureValidationException("The recurrent-cell architecture JSON lacks 'nodes', 'inject' or 'memoryNode'.");
        if (dto.Space != space.Name)
            throw new ArchitectureValidationException($"The JSON describes a {UserText.Quote(dto.Space)} architecture, not '{space.Name}'.");
        ArchitectureDocument.CheckCellFingerprint(dto.Fingerprint, space.CellFingerprint);
        var nodes = dto.Nodes.Select((n, i) => n?.Combination is null || n.Activation is null
                ? throw new ArchitectureValidationException($"Node {i} of the JSON lacks 'combination' or 'activation'.")
                : new CellNodeOperation(CellOperationNames.ParseCombination(n.Combination), CellOperationNames.ParseActivation(n.Activation)))
            .ToArray();
        if (dto.Inject.Combination is null || dto.Inject.Activation is null || dto.Inject.Node is null)
            throw new ArchitectureValidationException("The JSON 'inject' lacks 'node', 'combination' or 'activation'.");
        return new RecurrentCellArchitecture(
            space,
            nodes,
            CellOperationNames.ParseCombination(dto.Inject.Combination),
            CellOperationNames.ParseActivation(dto.Inject.Activation),
            dto.Inject.Node.Value,
            dto.MemoryNode.Value);
    }

    private int[] BuildTokens()
    {
        var o = CellSpace.Options;
        var tokens = new List<int>(CellSpace.Steps.Count);
        foreach (var node in _nodes)
        {
            tokens.Add(IndexOf(o.Combinations, node.Combination));
            tokens.Add(IndexOf(o.Activations, node.Activation));
        }
        tokens.Add(IndexOf(o.Combinations, InjectCombination));
        tokens.Add(IndexOf(o.Activations, InjectActivation));
        tokens.Add(InjectNode);
        tokens.Add(MemoryNode);
        return tokens.ToArray();
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
                return i;
        }
        return -1;
    }

    private void CheckOffered(CellCombination combination, string where)
    {
        if (IndexOf(CellSpace.Options.Combinations, combination) < 0)
            throw new ArchitectureValidationException($"Combination '{combination}' at {where} is not offered by this space.");
    }

    private void CheckOffered(CellActivation activation, string where)
    {
        if (IndexOf(CellSpace.Options.Activations, activation) < 0)
            throw new ArchitectureValidationException($"Activation '{activation}' at {where} is not offered by this space.");
    }

    private static JsonSerializerOptions JsonOptions => ArchitectureDocument.CellJsonOptions;

    private sealed class CellJson
    {
        public string? Space { get; set; }
        public string? Fingerprint { get; set; }
        public NodeJson?[]? Nodes { get; set; }
        public InjectJson? Inject { get; set; }
        public int? MemoryNode { get; set; }
        public RecurrentCellSearchSpaceOptions? Settings { get; set; }
    }

    private sealed class NodeJson
    {
        public string? Combination { get; set; }
        public string? Activation { get; set; }
    }

    private sealed class InjectJson
    {
        public int? Node { get; set; }
        public string? Combination { get; set; }
        public string? Activation { get; set; }
    }
}
