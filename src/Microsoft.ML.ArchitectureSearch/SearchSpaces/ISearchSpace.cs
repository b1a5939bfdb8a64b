namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>
/// A search space: the ordered decisions an architecture is made of, and how tokens become a typed architecture.
/// Implementations are immutable and hold everything that shapes a child network (input shape, class count, vocabulary
/// size), so that parameter counts are known before training.
/// </summary>
internal interface ISearchSpace
{
    /// <summary>Short name, e.g. "cnn" or "recurrent-cell".</summary>
    string Name { get; }

    /// <summary>The decisions, in the order the controller emits them.</summary>
    IReadOnlyList<DecisionStep> Steps { get; }

    /// <summary>
    /// A canonical text of everything that changes the meaning of a token sequence (choice lists, layer count, input
    /// shape). Two spaces with equal fingerprints decode equal tokens to equal architectures; checkpoints compare it.
    /// </summary>
    string Fingerprint { get; }

    /// <summary>
    /// Which tokens step <c>prefix.Count</c> may take after the tokens <paramref name="prefix"/> of the steps before it:
    /// element t is false when every sequence that continues the prefix with token t is one <see cref="Decode"/> refuses
    /// for its tokens alone. Null means every choice is allowed. Strategies sample only allowed tokens (see
    /// <see cref="AllowedTokens"/>), so no proposal is wasted on a sequence the space would refuse. Whole-network limits
    /// (MaxParameters, MaxMultiplyAdds) are not masked: whether a prefix can still meet them depends on every later step.
    /// Every prefix of allowed tokens leaves at least one allowed token at the next step.
    /// </summary>
    IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix);

    /// <summary>Tokens to architecture. Throws <see cref="ArchitectureValidationException"/> naming the bad step.</summary>
    IArchitecture Decode(IReadOnlyList<int> tokens);

    /// <summary>Reads an architecture written by <see cref="IArchitecture.ToJson"/>; validates it like <see cref="Decode"/>.</summary>
    IArchitecture FromJson(string json);

    /// <summary>
    /// The hand-designed reference networks that are members of this space (possibly none), in the order a search
    /// trains them. Computed once per space.
    /// </summary>
    IReadOnlyList<ReferenceArchitecture> References { get; }
}
