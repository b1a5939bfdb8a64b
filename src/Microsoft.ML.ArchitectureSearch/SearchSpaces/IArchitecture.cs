namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>One point of a search space: a token sequence and its typed, readable meaning.</summary>
internal interface IArchitecture
{
    /// <summary>The search space this architecture belongs to.</summary>
    ISearchSpace Space { get; }

    /// <summary>One token per <see cref="ISearchSpace.Steps"/> entry.</summary>
    IReadOnlyList<int> Tokens { get; }

    /// <summary>Trainable parameters of the child network, computed without building it.</summary>
    long ParameterCount { get; }

    /// <summary>Multiply-adds of one forward pass for one example (one token step for language models).</summary>
    long MultiplyAdds { get; }

    /// <summary>Stable hex digest of the space fingerprint and the tokens, for de-duplication and file names.</summary>
    string Hash { get; }

    /// <summary>One readable line, e.g. "6 layers: 3x3x36, 5x5x48 [from 0], ...".</summary>
    string Describe();

    /// <summary>JSON that <see cref="ISearchSpace.FromJson"/> reads back.</summary>
    string ToJson();
}
