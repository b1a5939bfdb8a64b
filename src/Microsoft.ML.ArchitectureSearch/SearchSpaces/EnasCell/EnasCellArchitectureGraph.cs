namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;

/// <summary>
/// The diagram of an ENAS cell: x_t and h_(t-1) feed node 0, every later node hangs below the node it reads, and the
/// loose ends feed the mean that is h_t.
/// </summary>
internal static class EnasCellArchitectureGraph
{
    public static ArchitectureGraph Build(EnasCellArchitecture cell)
    {
        int count = cell.Nodes.Count;
        var depth = new int[count];
        var nodes = new List<GraphNode> { new("in", "x_t, h_t-1", 0) };
        var edges = new List<GraphEdge>();
        for (int n = 0; n < count; n++)
        {
            EnasCellNode node = cell.Nodes[n];
            depth[n] = n == 0 ? 1 : depth[node.Previous] + 1;
            nodes.Add(new GraphNode($"n{n}", $"{n}: {node.Activation.ToString().ToLowerInvariant()}", depth[n]));
            edges.Add(new GraphEdge(n == 0 ? "in" : $"n{node.Previous}", $"n{n}"));
        }
        nodes.Add(new GraphNode("h", "h_t = mean", depth.Max() + 1));
        edges.AddRange(cell.LooseEnds.Select(n => new GraphEdge($"n{n}", "h")));
        return new ArchitectureGraph(nodes, edges);
    }
}
