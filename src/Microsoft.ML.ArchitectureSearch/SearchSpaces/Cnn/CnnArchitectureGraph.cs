namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>
/// The diagram of a CNN: image, one box per layer (operation, filter size, count, stride, pooling), a box for each fixed reduction
/// (which every reader of its layer reads through), skips, and the head.
/// </summary>
internal static class CnnArchitectureGraph
{
    public static ArchitectureGraph Build(CnnArchitecture architecture)
    {
        IReadOnlyList<CnnLayer> layers = architecture.Layers;
        var o = architecture.Space.Options;
        bool pools = o.EffectiveSkipResize == CnnSkipResize.PoolToSmallest;
        var nodes = new List<GraphNode> { new("image", $"image {o.InputChannels}x{o.InputHeight}x{o.InputWidth}", 0) };
        var edges = new List<GraphEdge>();
        var consumed = new HashSet<int>();
        // What readers of layer i draw their edge from: the layer, or the reduction after it.
        var outputOf = new string[layers.Count];
        int rank = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            CnnLayer l = layers[i];
            string extra = (l.Stride > 1 ? $" /{l.Stride}" : "") + (l.Pool != CnnPooling.None ? $" {l.Pool}" : "");
            string operation = l.Operation switch
            {
                CnnOperation.Convolution => $"conv {l.FilterHeight}x{l.FilterWidth}",
                CnnOperation.SeparableConvolution => $"sep conv {l.FilterHeight}x{l.FilterWidth}",
                CnnOperation.MaxPool3x3 => "max pool 3x3",
                _ => "avg pool 3x3",
            };
            nodes.Add(new GraphNode($"L{i}", $"{i}: {operation}, {l.Filters}{extra}", ++rank));
            int stage = o.StageOf(i);
            if (l.Inputs.Count == 0) edges.Add(new GraphEdge("image", $"L{i}", stage == 0 ? null : $"max pool /{1 << stage}"));
            foreach (int j in l.Inputs)
            {
                edges.Add(new GraphEdge(outputOf[j], $"L{i}"));
                consumed.Add(j);
            }

            outputOf[i] = $"L{i}";
            if (o.ReducesAfter(i))
            {
                nodes.Add(new GraphNode($"R{i}", "max pool 2x2 /2", ++rank));
                edges.Add(new GraphEdge($"L{i}", $"R{i}"));
                outputOf[i] = $"R{i}";
            }
        }
        nodes.Add(new GraphNode("head", $"{(pools ? "pooled concat, avg" : "concat, avg pool")}, linear {o.ClassCount}", rank + 1));
        for (int i = 0; i < layers.Count; i++)
            if (!consumed.Contains(i)) edges.Add(new GraphEdge(outputOf[i], "head"));
        return new ArchitectureGraph(nodes, edges);
    }
}
