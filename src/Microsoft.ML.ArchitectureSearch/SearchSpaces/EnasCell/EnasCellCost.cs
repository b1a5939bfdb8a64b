using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;

/// <summary>
/// Analytic size of a word language model whose layers run an ENAS cell, so a child is priced before it is built.
/// Per layer: node 0's [input + hidden, 2 hidden] matrix (candidate and highway gate), and one [hidden, 2 hidden]
/// matrix per later node (the one for the node it reads); no biases, as in Pham et al.'s cell.
/// </summary>
internal static class EnasCellCost
{
    public static long ParameterCount(RecurrentCellSearchSpaceOptions o)
    {
        checked
        {
            long recurrent = 0;
            for (int layer = 0; layer < o.Layers; layer++)
                recurrent += RecurrentPerLayer(layer == 0 ? o.EmbeddingSize : o.HiddenSize, o.HiddenSize, o.Nodes);
            return LanguageModelCost.EmbeddingAndDecoder(o.VocabularySize, o.EmbeddingSize, o.HiddenSize, o.TieWeights) + recurrent;
        }
    }

    /// <summary>
    /// Multiply-adds to predict one token: every layer's matrices, two elementwise products of width hidden per node
    /// (gate times candidate, one minus gate times input) and the decoder; additions and activations are not counted.
    /// </summary>
    public static long MultiplyAddsPerToken(RecurrentCellSearchSpaceOptions o)
    {
        checked
        {
            long total = 0;
            for (int layer = 0; layer < o.Layers; layer++)
                total += RecurrentPerLayer(layer == 0 ? o.EmbeddingSize : o.HiddenSize, o.HiddenSize, o.Nodes) + 2L * o.Nodes * o.HiddenSize;
            return total + (long)o.HiddenSize * o.VocabularySize;
        }
    }

    private static long RecurrentPerLayer(long inputSize, long hiddenSize, int nodes) =>
        checked(2 * hiddenSize * (inputSize + hiddenSize) + (nodes - 1) * 2 * hiddenSize * hiddenSize);
}
