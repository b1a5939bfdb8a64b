namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>
/// Analytic size of the word-level language model (embedding, recurrent layers, decoder), so architectures can be
/// priced before a network is built. Tests check these against the parameters of the built TorchSharp modules.
/// </summary>
internal static class LanguageModelCost
{
    /// <summary>
    /// Trainable parameters of a model whose every layer has <paramref name="gateBlocks"/> input and hidden projections
    /// of width hidden, each with a bias (searched cell: one block per leaf; LSTM: 4 gate blocks, as in nn.LSTM which
    /// carries both b_ih and b_hh).
    /// </summary>
    public static long ParameterCount(int vocabularySize, int embeddingSize, int hiddenSize, int layers, int gateBlocks, bool tieWeights)
    {
        checked
        {
            long recurrent = 0;
            for (int layer = 0; layer < layers; layer++)
            {
                long inputSize = layer == 0 ? embeddingSize : hiddenSize;
                recurrent += (long)gateBlocks * hiddenSize * (inputSize + 1); // W x + b_x
                recurrent += (long)gateBlocks * hiddenSize * (hiddenSize + 1); // U h + b_h
            }
            return EmbeddingAndDecoder(vocabularySize, embeddingSize, hiddenSize, tieWeights) + recurrent;
        }
    }

    /// <summary>Parameters around the recurrent layers: the embedding and the decoder with its bias (tying respected).</summary>
    public static long EmbeddingAndDecoder(int vocabularySize, int embeddingSize, int hiddenSize, bool tieWeights)
    {
        checked
        {
            long embedding = (long)vocabularySize * embeddingSize;
            long decoder = (tieWeights ? 0 : (long)hiddenSize * vocabularySize) + vocabularySize;
            return embedding + decoder;
        }
    }

    /// <summary>
    /// Multiply-adds to predict one token: the recurrent projections of every layer, <paramref name="elementwiseProductsPerStep"/>
    /// elementwise products of width hidden per layer, and the decoder. The embedding lookup, additions and
    /// activations are not counted.
    /// </summary>
    public static long MultiplyAddsPerToken(int vocabularySize, int embeddingSize, int hiddenSize, int layers, int gateBlocks, int elementwiseProductsPerStep)
    {
        checked
        {
            long total = 0;
            for (int layer = 0; layer < layers; layer++)
            {
                long inputSize = layer == 0 ? embeddingSize : hiddenSize;
                total += (long)gateBlocks * hiddenSize * (inputSize + hiddenSize);
                total += (long)elementwiseProductsPerStep * hiddenSize;
            }
            return total + (long)hiddenSize * vocabularySize;
        }
    }

    /// <summary>Parameters of the LSTM baseline language model of the same shape.</summary>
    public static long LstmParameterCount(RecurrentCellSearchSpaceOptions options) =>
        ParameterCount(options.VocabularySize, options.EmbeddingSize, options.HiddenSize, options.Layers, 4, options.TieWeights);

    /// <summary>Multiply-adds per token of the LSTM baseline (3 gate products per step: f⊙c, i⊙g, o⊙tanh(c)).</summary>
    public static long LstmMultiplyAddsPerToken(RecurrentCellSearchSpaceOptions options) =>
        MultiplyAddsPerToken(options.VocabularySize, options.EmbeddingSize, options.HiddenSize, options.Layers, 4, 3);
}
