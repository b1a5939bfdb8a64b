using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>What training a child CNN with <see cref="CnnChildTrainer"/> is expected to hold (<see cref="TrainingMemoryEstimate"/>).</summary>
/// <remarks>
/// Calibrated against the measured growth of the peak resident set while one child trains (bench/run-memory-estimate.sh,
/// BENCHMARKS.md "Hardening"): the plain 6x64 reference grew by 2.4 MiB per image of the batch, about ten of its
/// 256 KiB maps, where an earlier count of five maps per layer and a gradient beside each gave 15 MiB; the dense
/// reference showed the gradients that accumulate for layers read by several later ones.
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
        int count = layout.Layers.Count;
        for (int i = 0; i < count; i++)
        {
            CnnLayerShape layer = layout.Layers[i];
            // What autograd keeps: a joined input is a new tensor only when the layer reads several layers (one input
            // is the previous output itself); the convolution's output (batch norm's input) and the activation's
            // output (the next convolution's input); a pooled output where the layer pools.
            if (architecture.Layers[i].Inputs.Count > 1)
                perExample += JoinedInput(layer);
            perExample += 2 * ConvMap(layer);
            perExample += OperationExtra(architecture.Layers[i].Operation, layer);
            if (layer.OutputHeight != layer.ConvHeight || layer.OutputWidth != layer.ConvWidth)
                perExample += OutputMap(layer);
        }
        perExample += (double)layout.FinalChannels * layout.FinalHeight * layout.FinalWidth;
        perExample += PeakGradients(architecture, layout);
        return TrainingMemoryEstimate.Of(layout.ParameterCount, copies, perExample, training.BatchSize);
    }

    /// <summary>
    /// The most gradient values alive at once in the backward pass. While layer j's backward runs, the gradients of
    /// its own output and of its joined input live, and so do those of every earlier layer's output that layer j, a
    /// later layer or the final map reads: they accumulate until that earlier layer's own backward. A plain stack
    /// holds two maps; a densely connected one holds nearly all of them, which the dense reference measured.
    /// </summary>
    private static double PeakGradients(CnnArchitecture architecture, CnnLayout layout)
    {
        int count = layout.Layers.Count;
        var readFrom = new int[count]; // the first layer index from which on nothing reads layer i any more
        for (int k = 0; k < count; k++)
            foreach (int i in architecture.Layers[k].Inputs)
                readFrom[i] = Math.Max(readFrom[i], k + 1);
        for (int i = 0; i < count; i++)
            if (readFrom[i] == 0)
                readFrom[i] = count + 1; // read by the final map
        double peak = 0;
        for (int j = count - 1; j >= 0; j--)
        {
            CnnLayerShape layer = layout.Layers[j];
            double live = ConvMap(layer) + (architecture.Layers[j].Inputs.Count > 1 ? JoinedInput(layer) : 0);
            for (int i = 0; i < j; i++)
                if (readFrom[i] > j)
                    live += OutputMap(layout.Layers[i]);
            peak = Math.Max(peak, live);
        }
        return peak;
    }

    /// <summary>
    /// The map an operation keeps beyond a convolution's: a separable convolution's depthwise output (the pointwise
    /// convolution's input, input channels at the strided size); a pooling operation's window output, counted at the
    /// size before any fixed reduction, which it never exceeds.
    /// </summary>
    private static double OperationExtra(CnnOperation operation, CnnLayerShape layer) => operation switch
    {
        CnnOperation.SeparableConvolution => (double)layer.InputChannels * layer.ConvHeight * layer.ConvWidth,
        CnnOperation.MaxPool3x3 or CnnOperation.AvgPool3x3 => ConvMap(layer),
        _ => 0,
    };

    private static double ConvMap(CnnLayerShape layer) => (double)layer.OutputChannels * layer.ConvHeight * layer.ConvWidth;

    private static double OutputMap(CnnLayerShape layer) => (double)layer.OutputChannels * layer.OutputHeight * layer.OutputWidth;

    private static double JoinedInput(CnnLayerShape layer) => (double)layer.InputChannels * layer.InputHeight * layer.InputWidth;
}
