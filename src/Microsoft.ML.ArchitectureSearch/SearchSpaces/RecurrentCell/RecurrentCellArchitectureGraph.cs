namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>
/// The diagram of a searched cell: x_t and h_{t-1} feed every leaf; each tree node shows its combination and activation;
/// c_{t-1} enters at the inject node, c_t leaves the memory node, and the root gives h_t.
/// </summary>
internal static class RecurrentCellArchitectureGraph
{
    public static ArchitectureGraph Build(RecurrentCellArchitecture cell)
    {
        CellTree tree = cell.CellSpace.Tree;
        var depth = new int[tree.NodeCount];
        for (int n = tree.LeafCount; n < tree.NodeCount; n++)
            depth[n] = Math.Max(depth[tree.LeftChild(n)], depth[tree.RightChild(n)]) + 1;
        var nodes = new List<GraphNode> { new("in", "x_t, h_t-1", 0) };
        var edges = new List<GraphEdge>();
        for (int n = 0; n < tree.NodeCount; n++)
        {
            CellNodeOperation op = cell.Nodes[n];
            string label = $"{n}: {op.Combination.ToString().ToLowerInvariant()}, {op.Activation.ToString().ToLowerInvariant()}";
            if (n == cell.InjectNode) label += $" (+c {cell.InjectCombination.ToString().ToLowerInvariant()}, {cell.InjectActivation.ToString().ToLowerInvariant()})";
            nodes.Add(new GraphNode($"n{n}", label, depth[n] + 1));
            if (tree.IsLeaf(n)) edges.Add(new GraphEdge("in", $"n{n}"));
            else
            {
                edges.Add(new GraphEdge($"n{tree.LeftChild(n)}", $"n{n}"));
                edges.Add(new GraphEdge($"n{tree.RightChild(n)}", $"n{n}"));
            }
        }
        int top = depth[tree.Root] + 2;
        nodes.Add(new GraphNode("h", "h_t", top));
        nodes.Add(new GraphNode("c", $"c_t (from node {cell.MemoryNode})", top));
        edges.Add(new GraphEdge($"n{tree.Root}", "h"));
        edges.Add(new GraphEdge($"n{cell.MemoryNode}", "c", "c_t"));
        return new ArchitectureGraph(nodes, edges);
    }
}
