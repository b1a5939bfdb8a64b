namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>How the controller samples a decision.</summary>
internal enum DecisionKind
{
    /// <summary>A softmax over <see cref="DecisionStep.Choices"/>; the chosen token's embedding feeds the next step.</summary>
    Choice,

    /// <summary>
    /// A yes/no skip connection from layer <see cref="DecisionStep.FromLayer"/> into layer <see cref="DecisionStep.Layer"/>
    /// (token 1 = connected), sampled with Zoph &amp; Le's anchor points:
    /// p = sigmoid(v^T tanh(W_prev h_from + W_curr h_layer)), where h_k is the controller state at layer k's anchor.
    /// A layer's anchor is the controller step right after that layer's last <see cref="Choice"/> step.
    /// </summary>
    Skip,
}

/// <summary>
/// One decision an architecture is made of: the controller emits one token per step, in order. Search spaces declare
/// their steps; controllers and strategies are written against steps only, never against a particular space.
/// </summary>
/// <param name="Name">Readable name, e.g. "layer2.filter_height" or "skip 0->3".</param>
/// <param name="Kind">How it is sampled.</param>
/// <param name="Layer">The layer (or tree node) the decision belongs to; steps of one layer are contiguous.</param>
/// <param name="Choices">Readable labels of the tokens 0..Count-1 (for <see cref="DecisionKind.Skip"/>: "no", "yes").</param>
/// <param name="FromLayer">For <see cref="DecisionKind.Skip"/>: the earlier layer; -1 otherwise.</param>
internal sealed record DecisionStep(string Name, DecisionKind Kind, int Layer, IReadOnlyList<string> Choices, int FromLayer = -1)
{
    /// <summary>Number of tokens this step can take.</summary>
    public int ChoiceCount => Choices.Count;

    /// <summary>A categorical decision.</summary>
    public static DecisionStep Choice(string name, int layer, IEnumerable<string> choices) =>
        new(name, DecisionKind.Choice, layer, choices.ToArray());

    /// <summary>A skip connection decision from <paramref name="fromLayer"/> into <paramref name="layer"/>.</summary>
    public static DecisionStep Skip(int fromLayer, int layer) =>
        new($"skip {fromLayer}->{layer}", DecisionKind.Skip, layer, new[] { "no", "yes" }, fromLayer);
}
