using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>What training a child CNN with <see cref="CnnChildTrainer"/> is expected to hold (<see cref="TrainingMemoryEstimate"/>).</summary>
internal static class CnnMemoryEstimate
{
    public static TrainingMemoryEstimate For(CnnArchitecture architecture, CnnTrainingOptions training)
    {
        // Weights, gradients and SGD momentum; Lookahead keeps one more copy of the weights.
        int copies = training.LookaheadSteps is null ? 3 : 4;
        CnnLayout layout = architecture.Layout;
        CnnSearchSpaceOptions space = architecture.Space.Options;
        double perExample = (double)space.InputChannels * space.InputHeight * space.InputWidth;
        foreach (CnnLayerShape layer in layout.Layers)
        {
            // The joined input (a new tensor when a layer reads other layers), then four maps of the output size that
            // autograd keeps: convolution, batch norm, activation, pooling or reduction.
            perExample += (double)layer.InputChannels * layer.InputHeight * layer.InputWidth;
            perExample += 4.0 * layer.OutputChannels * layer.ConvHeight * layer.ConvWidth;
        }
        perExample += (double)layout.FinalChannels * layout.FinalHeight * layout.FinalWidth;
        // The backward pass holds a gradient beside each saved map at its peak.
        return TrainingMemoryEstimate.Of(layout.ParameterCount, copies, 2 * perExample, training.BatchSize);
    }
}
