using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>What training a child language model with truncated BPTT is expected to hold (<see cref="TrainingMemoryEstimate"/>).</summary>
internal static class LanguageModelMemoryEstimate
{
    public static TrainingMemoryEstimate For(ILanguageModelArchitecture architecture, LanguageModelTrainingOptions training)
    {
        RecurrentCellSearchSpaceOptions o = architecture.ModelOptions;
        // Per token of a segment: the embedding; per layer the activations the cell keeps for the backward pass and two
        // dropout masks; then the decoder's logits and their log-softmax, and at the backward pass's peak the gradients
        // of both, which dominate with a large vocabulary. Calibrated (BENCHMARKS.md, "Hardening"): the LSTM-like
        // reference cell, hidden 200, 7,185 words, grew by 6.0 MiB per parallel stream; an earlier count with a gradient
        // beside every saved value gave 11.2 MiB.
        double perLayer = (double)o.HiddenSize * (CellActivationsPerToken(architecture) + 4);
        double perToken = o.EmbeddingSize + o.Layers * perLayer + 4.0 * o.VocabularySize;
        // Weights and gradients, and Adam's two moments (plain SGD keeps no other state).
        int copies = training.Optimizer == LanguageModelOptimizer.Adam ? 4 : 2;
        return TrainingMemoryEstimate.Of(architecture.ParameterCount, copies, perToken * training.Bptt, training.BatchSize);
    }

    /// <summary>Vectors of width hidden one cell step keeps per token.</summary>
    private static double CellActivationsPerToken(ILanguageModelArchitecture architecture) => architecture switch
    {
        // The input and hidden projections (one block per leaf each), every tree node's combination and activation.
        RecurrentCellArchitecture tree => 2.0 * tree.CellSpace.Tree.LeafCount + 2.0 * tree.CellSpace.Tree.NodeCount,
        // Per node: its 2-hidden projection, gate, activation, difference and output; plus node 0's input projection.
        EnasCellArchitecture enas => 6.0 * enas.Nodes.Count + 2,
        _ => throw new ArgumentException($"No memory estimate for {architecture.GetType().Name}.", nameof(architecture)),
    };
}
