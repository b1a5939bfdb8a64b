namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Token-id streams a language model is trained and scored on (each a concatenation of sentences with their end
/// markers already in it), the vocabulary size the ids index and the id of the end marker. Checked on construction.
/// </summary>
internal sealed class LanguageModelCorpus
{
    public LanguageModelCorpus(int[] train, int[] valid, int[]? test, int vocabularySize, int endOfSentenceId)
    {
        if (vocabularySize < 2)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least 2 words.");
        if ((uint)endOfSentenceId >= (uint)vocabularySize)
            throw new ArgumentOutOfRangeException(nameof(endOfSentenceId), endOfSentenceId, $"The end-of-sentence id must be in the vocabulary 0..{vocabularySize - 1}.");
        VocabularySize = vocabularySize;
        EndOfSentenceId = endOfSentenceId;
        Train = Check(train, nameof(train));
        Valid = Check(valid, nameof(valid));
        Test = test is null ? null : Check(test, nameof(test));
    }

    public int[] Train { get; }

    public int[] Valid { get; }

    public int[]? Test { get; }

    public int VocabularySize { get; }

    /// <summary>The word that ends every sentence of the streams (and that a sentence starts after).</summary>
    public int EndOfSentenceId { get; }

    private int[] Check(int[] tokens, string name)
    {
        ArgumentNullException.ThrowIfNull(tokens, name);
        if (tokens.Length < 2)
            throw new ArgumentException($"The {name} token stream has {tokens.Length} tokens; at least 2 are needed to predict anything.", name);
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)VocabularySize)
                throw new ArgumentException($"The {name} token stream holds id {tokens[i]} at position {i}, outside the vocabulary 0..{VocabularySize - 1}.", name);
        }
        return tokens;
    }
}
