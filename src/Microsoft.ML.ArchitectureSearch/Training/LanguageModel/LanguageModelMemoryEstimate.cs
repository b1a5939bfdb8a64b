using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>What training a child language model with truncated BPTT is expected to hold (<see cref="TrainingMemoryEstimate"/>).</summary>
internal static class LanguageModelMemoryEstimate
{
    public static TrainingMemoryEstimate For(RecurrentCellArchitecture architecture, LanguageModelTrainingOptions training)
    {
        RecurrentCellSearchSpaceOptions o = architecture.CellSpace.Options;
        int leaves = o.Leaves;
        // Per token of a segment: the embedding; per layer the input and hidden projections (one block per leaf each),
        // every tree node's combination and activation, the memory cell and two dropout masks; then the decoder's
        // logits, their log-softmax and its gradient, which dominate with a large vocabulary.
        double perLayer = (double)o.HiddenSize * (2.0 * leaves + 2.0 * (2 * leaves - 1) + 4);
        double perToken = o.EmbeddingSize + o.Layers * perLayer + 3.0 * o.VocabularySize;
        // Weights and gradients, and Adam's two moments (plain SGD keeps no other state).
        int copies = training.Optimizer == LanguageModelOptimizer.Adam ? 4 : 2;
        return TrainingMemoryEstimate.Of(architecture.ParameterCount, copies, 2 * perToken * training.Bptt, training.BatchSize);
    }
}
