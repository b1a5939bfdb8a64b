namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>The diagram of a CNN: image, one box per layer (filter size, count, stride, pooling), skips, and the head.</summary>
internal static class CnnArchitectureGraph
{
    public static ArchitectureGraph Build(CnnArchitecture architecture)
    {
        IReadOnlyList<CnnLayer> layers = architecture.Layers;
        var o = architecture.Space.Options;
        var nodes = new List<GraphNode> { new("image", $"image {o.InputChannels}x{o.InputHeight}x{o.InputWidth}", 0) };
        var edges = new List<GraphEdge>();
        var consumed = new HashSet<int>();
        for (int i = 0; i < layers.Count; i++)
        {
            CnnLayer l = layers[i];
            string extra = (l.Stride > 1 ? $" /{l.Stride}" : "") + (l.Pool != CnnPooling.None ? $" {l.Pool}" : "");
            nodes.Add(new GraphNode($"L{i}", $"{i}: conv {l.FilterHeight}x{l.FilterWidth}, {l.Filters}{extra}", i + 1));
            if (l.Inputs.Count == 0) edges.Add(new GraphEdge("image", $"L{i}"));
            foreach (int j in l.Inputs)
            {
                edges.Add(new GraphEdge($"L{j}", $"L{i}"));
                consumed.Add(j);
            }
        }
        nodes.Add(new GraphNode("head", $"concat, avg pool, linear {o.ClassCount}", layers.Count + 1));
        for (int i = 0; i < layers.Count; i++)
            if (!consumed.Contains(i)) edges.Add(new GraphEdge($"L{i}", "head"));
        return new ArchitectureGraph(nodes, edges);
    }
}
