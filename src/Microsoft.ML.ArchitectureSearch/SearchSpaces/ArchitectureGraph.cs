namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>A node of an architecture diagram: a layer, a tree node, the input or the output.</summary>
/// <param name="Id">Unique within the graph.</param>
/// <param name="Label">Short text drawn in the box, e.g. "conv 3x5, 36".</param>
/// <param name="Rank">Drawing row: inputs at 0, each node below all of its inputs.</param>
internal sealed record GraphNode(string Id, string Label, int Rank);

/// <summary>An edge: data flows from <paramref name="From"/> to <paramref name="To"/>.</summary>
internal sealed record GraphEdge(string From, string To, string? Label = null);

/// <summary>A readable diagram of an architecture, independent of how it is drawn (PNG, Graphviz DOT).</summary>
internal sealed record ArchitectureGraph(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    /// <summary>Graphviz DOT text, for users who render diagrams with their own tools.</summary>
    public string ToDot()
    {
        var lines = new List<string> { "digraph architecture {", "  rankdir=TB; node [shape=box, fontname=\"DejaVu Sans\"];" };
        lines.AddRange(Nodes.Select(n => $"  \"{n.Id}\" [label=\"{Escape(n.Label)}\"];"));
        lines.AddRange(Edges.Select(e => $"  \"{e.From}\" -> \"{e.To}\"" + (e.Label is null ? ";" : $" [label=\"{Escape(e.Label)}\"];")));
        lines.Add("}");
        return string.Join("\n", lines) + "\n";
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}

/// <summary>An architecture that can describe itself as a diagram.</summary>
internal interface IDrawableArchitecture
{
    ArchitectureGraph ToGraph();
}
