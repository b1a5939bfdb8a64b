namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>
/// Shape of the recurrent-cell search space (Zoph &amp; Le 2017, Penn Treebank) and of the word-level language model
/// every child is trained in. Defaults follow the paper's tree (8 leaves) and the "small" PTB configuration of the
/// PyTorch word_language_model recipe (200-dim embedding, 2 layers of 200 units, dropout 0.2, 10k-word vocabulary).
/// </summary>
public sealed record RecurrentCellSearchSpaceOptions
{
    /// <summary>Largest <see cref="Nodes"/>: the shared network holds Nodes*(Nodes-1)/2 node-to-node matrices per layer.</summary>
    internal const int MaxNodes = 32;

    /// <summary>
    /// Which cell space is searched: Zoph &amp; Le's binary tree (<see cref="RecurrentCellKind.Tree"/>, the default; shaped
    /// by <see cref="Leaves"/> and <see cref="Combinations"/>) or ENAS's DAG of highway nodes
    /// (<see cref="RecurrentCellKind.EnasDag"/>; shaped by <see cref="Nodes"/>), the one that supports
    /// ArchitectureSearchOptions.WeightSharing. Both choose activations from <see cref="Activations"/>.
    /// </summary>
    public RecurrentCellKind Cell { get; init; } = RecurrentCellKind.Tree;

    /// <summary>
    /// Nodes of the ENAS cell (<see cref="RecurrentCellKind.EnasDag"/> only), 1 to 32: 12 as in Pham et al.'s PTB search.
    /// </summary>
    public int Nodes { get; init; } = 12;

    /// <summary>Leaves of the cell tree: a power of two, at least 2. 8 as in the paper; 4 for quick runs.</summary>
    public int Leaves { get; init; } = 8;

    /// <summary>The combinations the controller chooses from; token k means entry k.</summary>
    public IReadOnlyList<CellCombination> Combinations { get; init; } = new[] { CellCombination.Add, CellCombination.Multiply };

    /// <summary>The activations the controller chooses from; token k means entry k.</summary>
    public IReadOnlyList<CellActivation> Activations { get; init; } =
        new[] { CellActivation.Identity, CellActivation.Tanh, CellActivation.Sigmoid, CellActivation.Relu };

    /// <summary>Size of the word embedding.</summary>
    public int EmbeddingSize { get; init; } = 200;

    /// <summary>Size of each recurrent layer's hidden state (and memory).</summary>
    public int HiddenSize { get; init; } = 200;

    /// <summary>Words the model predicts (PTB: 10000, including &lt;eos&gt; and &lt;unk&gt;).</summary>
    public int VocabularySize { get; init; } = 10000;

    /// <summary>Stacked recurrent layers, each running the searched cell.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Dropout on the embedding output, between layers and before the decoder.</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>Share the embedding matrix with the decoder (needs <see cref="EmbeddingSize"/> == <see cref="HiddenSize"/>).</summary>
    public bool TieWeights { get; init; }

    /// <summary>Children with more trainable parameters than this are rejected at decode time; null for no limit.</summary>
    public long? MaxParameters { get; init; }

    /// <summary>A copy whose lists are copies too, so later edits of the caller's lists change nothing.</summary>
    internal RecurrentCellSearchSpaceOptions Copy() => this with
    {
        Combinations = Combinations.ToArray(),
        Activations = Activations.ToArray(),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Cell))
            throw new ArgumentException($"Cell must be Tree or EnasDag, got {Cell}.", nameof(Cell));
        if (Nodes < 1 || Nodes > MaxNodes)
            throw new ArgumentException($"Nodes must be between 1 and {MaxNodes}, got {Nodes}.", nameof(Nodes));
        if (Leaves < 2 || (Leaves & (Leaves - 1)) != 0)
            throw new ArgumentException($"Leaves must be a power of two of at least 2, got {Leaves}.", nameof(Leaves));
        if (Combinations is null || Combinations.Count == 0 || Combinations.Distinct().Count() != Combinations.Count)
            throw new ArgumentException("Combinations must be a non-empty list without repeats.", nameof(Combinations));
        if (Activations is null || Activations.Count == 0 || Activations.Distinct().Count() != Activations.Count)
            throw new ArgumentException("Activations must be a non-empty list without repeats.", nameof(Activations));
        if (EmbeddingSize < 1)
            throw new ArgumentException($"EmbeddingSize must be positive, got {EmbeddingSize}.", nameof(EmbeddingSize));
        if (HiddenSize < 1)
            throw new ArgumentException($"HiddenSize must be positive, got {HiddenSize}.", nameof(HiddenSize));
        if (VocabularySize < 2)
            throw new ArgumentException($"VocabularySize must be at least 2, got {VocabularySize}.", nameof(VocabularySize));
        if (Layers < 1)
            throw new ArgumentException($"Layers must be at least 1, got {Layers}.", nameof(Layers));
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentException($"Dropout must be in [0, 1), got {Dropout}.", nameof(Dropout));
        if (TieWeights && EmbeddingSize != HiddenSize)
            throw new ArgumentException(
                $"TieWeights needs EmbeddingSize == HiddenSize, got {EmbeddingSize} and {HiddenSize}.", nameof(TieWeights));
        if (MaxParameters is { } max && max < 1)
            throw new ArgumentException($"MaxParameters must be positive when set, got {max}.", nameof(MaxParameters));
    }
}
