using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>What training a child CNN with <see cref="CnnChildTrainer"/> is expected to hold (<see cref="TrainingMemoryEstimate"/>).</summary>
/// <remarks>
/// Calibrated against the measured growth of the peak resident set while one child trains (bench/run-memory-estimate.sh,
/// BENCHMARKS.md "Hardening"): the plain 6x64 reference grew by 2.5 MiB per image of the batch, about ten of its
/// 256 KiB maps, where an earlier count of five maps per layer and a gradient beside each gave 15 MiB.
/// </remarks>
internal static class CnnMemoryEstimate
{
    public static TrainingMemoryEstimate For(CnnArchitecture architecture, CnnTrainingOptions training)
    {
        // Weights, gradients and SGD momentum; Lookahead keeps one more copy of the weights.
        int copies = training.LookaheadSteps is null ? 3 : 4;
        CnnLayout layout = architecture.Layout;
        CnnSearchSpaceOptions space = architecture.Space.Options;
        double perExample = (double)space.InputChannels * space.InputHeight * space.InputWidth;
        double largestMap = 0;
        for (int i = 0; i < layout.Layers.Count; i++)
        {
            CnnLayerShape layer = layout.Layers[i];
            double map = (double)layer.OutputChannels * layer.ConvHeight * layer.ConvWidth;
            largestMap = Math.Max(largestMap, map);
            // What autograd keeps: a joined input is a new tensor only when the layer reads several layers (one input
            // is the previous output itself); the convolution's output (batch norm's input) and the activation's
            // output (the next convolution's input); a pooled output where the layer pools.
            if (architecture.Layers[i].Inputs.Count > 1)
                perExample += (double)layer.InputChannels * layer.InputHeight * layer.InputWidth;
            perExample += 2 * map;
            if (layer.OutputHeight != layer.ConvHeight || layer.OutputWidth != layer.ConvWidth)
                perExample += (double)layer.OutputChannels * layer.OutputHeight * layer.OutputWidth;
        }
        perExample += (double)layout.FinalChannels * layout.FinalHeight * layout.FinalWidth;
        // The backward pass frees each gradient once used: at its peak a layer's incoming and outgoing gradients live.
        perExample += 2 * largestMap;
        return TrainingMemoryEstimate.Of(layout.ParameterCount, copies, perExample, training.BatchSize);
    }
}
