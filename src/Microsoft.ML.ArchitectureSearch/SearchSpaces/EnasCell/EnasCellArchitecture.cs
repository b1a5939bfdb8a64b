using System.Globalization;
using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;

/// <summary>
/// One ENAS cell of <see cref="EnasCellSearchSpace"/>, typed: per node the earlier node it reads and its activation.
/// Validated on construction; <see cref="LooseEnds"/> (the nodes no other node reads) are averaged into h_t.
/// </summary>
internal sealed class EnasCellArchitecture : ILanguageModelArchitecture, IDrawableArchitecture
{
    private const string What = "ENAS-cell architecture";
    private readonly EnasCellNode[] _nodes;
    private readonly int[] _tokens;

    /// <summary>Builds and validates a cell; throws <see cref="ArchitectureValidationException"/> naming the problem.</summary>
    public EnasCellArchitecture(EnasCellSearchSpace space, IReadOnlyList<EnasCellNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(nodes);
        CellSpace = space;
        int count = space.Options.Nodes;
        if (nodes.Count != count)
            throw new ArchitectureValidationException($"The ENAS cell space has {count} nodes, got {nodes.Count}.");
        _nodes = nodes.ToArray();
        for (int n = 0; n < count; n++)
        {
            EnasCellNode? node = _nodes[n] ?? throw new ArchitectureValidationException($"Node {n} is missing.");
            if (n == 0 && node.Previous != EnasCellNode.FirstNodeInput)
                throw new ArchitectureValidationException($"Node 0 reads x_t and h_(t-1), so it has no previous node; got {node.Previous}.");
            if (n > 0 && (node.Previous < 0 || node.Previous >= n))
                throw new ArchitectureValidationException($"Node {n} reads node {node.Previous}; it can read only an earlier node, 0..{n - 1}.");
            if (!space.Options.Activations.Contains(node.Activation))
                throw new ArchitectureValidationException($"Activation '{node.Activation}' at node {n} is not offered by this space.");
        }
        var read = new bool[count];
        foreach (EnasCellNode node in _nodes.Skip(1))
            read[node.Previous] = true;
        LooseEnds = Enumerable.Range(0, count).Where(n => !read[n]).ToArray();
        _tokens = BuildTokens();

        RecurrentCellSearchSpaceOptions o = space.Options;
        try
        {
            ParameterCount = EnasCellCost.ParameterCount(o);
            MultiplyAdds = EnasCellCost.MultiplyAddsPerToken(o);
        }
        catch (OverflowException)
        {
            throw new ArchitectureValidationException(
                $"The language model's sizes (embedding {o.EmbeddingSize}, hidden {o.HiddenSize}, {o.Layers} layers, vocabulary {o.VocabularySize}) " +
                "give more than 2^63 parameters or multiply-adds.");
        }
        if (o.MaxParameters is { } max && ParameterCount > max)
            throw new ArchitectureValidationException($"The language model has {ParameterCount:N0} parameters, more than MaxParameters = {max:N0}.");
        Hash = ArchitectureHash.Compute(space.Fingerprint, _tokens);
    }

    public EnasCellSearchSpace CellSpace { get; }

    public ISearchSpace Space => CellSpace;

    public RecurrentCellSearchSpaceOptions ModelOptions => CellSpace.Options;

    /// <summary>Nodes 0..N-1 in evaluation order (every node reads an earlier one).</summary>
    public IReadOnlyList<EnasCellNode> Nodes => _nodes;

    /// <summary>The nodes no other node reads, ascending; h_t is their mean. Never empty (the last node is one).</summary>
    public IReadOnlyList<int> LooseEnds { get; }

    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>The whole language model: embedding, every layer's node matrices, decoder (tying respected).</summary>
    public long ParameterCount { get; }

    public long MultiplyAdds { get; }

    public string Hash { get; }

    public ArchitectureGraph ToGraph() => EnasCellArchitectureGraph.Build(this);

    public string Describe()
    {
        IEnumerable<string> parts = _nodes.Select((node, n) => n == 0
            ? $"0={CellOperationNames.Of(node.Activation)}(x,h)"
            : $"{n}={CellOperationNames.Of(node.Activation)}({node.Previous})");
        return string.Create(CultureInfo.InvariantCulture,
            $"{_nodes.Length}-node ENAS cell: {string.Join(", ", parts)}; h_t = mean of {string.Join(",", LooseEnds)}; {ParameterCount:N0} params");
    }

    public string ToJson() => JsonSerializer.Serialize(new CellJson
    {
        Space = CellSpace.Name,
        Fingerprint = CellSpace.Fingerprint,
        Nodes = _nodes.Select(n => new NodeJson
        {
            Previous = n.Previous == EnasCellNode.FirstNodeInput ? null : n.Previous,
            Activation = CellOperationNames.Of(n.Activation),
        }).ToArray(),
        Settings = CellSpace.Options,
    }, JsonOptions);

    /// <summary>Reads <see cref="ToJson"/> output into the space its own 'settings' describe (how a saved model rebuilds its network).</summary>
    public static EnasCellArchitecture FromStandaloneJson(string json)
    {
        CellJson dto = ArchitectureDocument.Parse<CellJson>(json, JsonOptions, What);
        EnasCellSearchSpace space = ArchitectureDocument.SpaceFromSettings(dto.Settings, s => new EnasCellSearchSpace(s), What);
        if (dto.Fingerprint != space.Fingerprint)
            throw new ArchitectureValidationException(
                $"The {What} JSON's fingerprint {UserText.Quote(dto.Fingerprint)} does not match its own settings ({UserText.Quote(space.Fingerprint)}).");
        return FromJson(space, dto);
    }

    /// <summary>Reads <see cref="ToJson"/> output; checks its cell belongs to <paramref name="space"/> and validates it.</summary>
    public static EnasCellArchitecture FromJson(EnasCellSearchSpace space, string json)
    {
        ArgumentNullException.ThrowIfNull(space);
        return FromJson(space, ArchitectureDocument.Parse<CellJson>(json, JsonOptions, What));
    }

    private static EnasCellArchitecture FromJson(EnasCellSearchSpace space, CellJson dto)
    {
        if (dto.Nodes is null)
            throw new ArchitectureValidationException($"The {What} JSON lacks 'nodes'.");
        if (dto.Space != space.Name)
            throw new ArchitectureValidationException($"The JSON describes a {UserText.Quote(dto.Space)} architecture, not '{space.Name}'.");
        ArchitectureDocument.CheckCellFingerprint(dto.Fingerprint, space.CellFingerprint);
        EnasCellNode[] nodes = dto.Nodes.Select((n, i) => n?.Activation is null
                ? throw new ArchitectureValidationException($"Node {i} of the JSON lacks 'activation'.")
                : new EnasCellNode(n.Previous ?? EnasCellNode.FirstNodeInput, CellOperationNames.ParseActivation(n.Activation)))
            .ToArray();
        return new EnasCellArchitecture(space, nodes);
    }

    /// <summary>In the order of <see cref="EnasCellSearchSpace.Steps"/>: node 0's activation, then each later node's previous node and activation.</summary>
    private int[] BuildTokens()
    {
        List<CellActivation> activations = CellSpace.Options.Activations.ToList();
        var tokens = new List<int> { activations.IndexOf(_nodes[0].Activation) };
        foreach (EnasCellNode node in _nodes.Skip(1))
        {
            tokens.Add(node.Previous);
            tokens.Add(activations.IndexOf(node.Activation));
        }
        return tokens.ToArray();
    }

    private static JsonSerializerOptions JsonOptions => ArchitectureDocument.CellJsonOptions;

    private sealed class CellJson
    {
        public string? Space { get; set; }
        public string? Fingerprint { get; set; }
        public NodeJson?[]? Nodes { get; set; }
        public RecurrentCellSearchSpaceOptions? Settings { get; set; }
    }

    /// <summary>A node; 'previous' is left out for node 0, which reads x_t and h_(t-1).</summary>
    private sealed class NodeJson
    {
        public int? Previous { get; set; }
        public string? Activation { get; set; }
    }
}
