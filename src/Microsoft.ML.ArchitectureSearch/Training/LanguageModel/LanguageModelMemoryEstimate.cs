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
        // logits and their log-softmax, and at the backward pass's peak the gradients of both, which dominate with a
        // large vocabulary. Calibrated (BENCHMARKS.md, "Hardening"): the LSTM-like reference cell, hidden 200, 7,185 words,
        // grew by 6.0 MiB per parallel stream; an earlier count with a gradient beside every saved value gave 11.2 MiB.
        double perLayer = (double)o.HiddenSize * (2.0 * leaves + 2.0 * (2 * leaves - 1) + 4);
        double perToken = o.EmbeddingSize + o.Layers * perLayer + 4.0 * o.VocabularySize;
        // Weights, gradients (plain SGD keeps no other state).
        return TrainingMemoryEstimate.Of(architecture.ParameterCount, 2, perToken * training.Bptt, training.BatchSize);
    }
}
