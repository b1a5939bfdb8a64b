using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// The weight-sharing network of a <see cref="CnnSearchSpace"/> (ENAS, Pham et al. 2018): one network holding the
/// weights of every child, so that a child is scored by running its sub-graph instead of training it. Each layer keeps,
/// for every (filter height, filter width) choice, one convolution bank of the layer's largest filter count over the
/// channels of every input it may read (the image, then each earlier layer's largest filter count), with its own batch
/// norm, and the same for every other operation the space offers (<see cref="SharedCnnLayer"/>); the classifier keeps a
/// column block per layer. A child uses the first <c>Filters</c> output channels of its
/// kernel's bank and, for each input it reads, the input-channel block of that input, so its sub-graph computes what a
/// stand-alone <see cref="ChildCnn"/> computes with those slices as weights (<see cref="ExtractChild"/>).
/// <para>
/// Batch norm always normalises with the batch's own statistics, as ENAS scores children: the running averages of a
/// shared layer mix every child that used it and describe none of them.
/// </para>
/// </summary>
internal sealed class SharedCnn : nn.Module<Tensor, CnnArchitecture, Tensor>
{
    private readonly ModuleList<SharedCnnLayer> layers = new();
    private readonly Parameter classifier_weight;
    private readonly Parameter classifier_bias;
    private readonly int[] maxFilters;
    private readonly int[] inputOffset;      // layer j's channel block in later layers' input banks
    private readonly int[] classifierOffset; // layer j's column block in the classifier bank
    private readonly CnnSearchSpaceOptions options;

    /// <param name="space">The space whose children this network holds; a stem is not supported (its filters come from data).</param>
    /// <param name="generator">Draws every initial weight (PyTorch's default uniform bounds for a child reading one input).</param>
    public SharedCnn(CnnSearchSpace space, Generator generator) : base(nameof(SharedCnn))
    {
        ArgumentNullException.ThrowIfNull(space);
        options = space.Options;
        if (options.Stem != CnnStem.None)
            throw new ArgumentException($"Weight sharing does not support the {options.Stem} stem yet; use CnnStem.None.", nameof(space));
        Space = space;
        int count = options.LayerCount;
        maxFilters = Enumerable.Range(0, count).Select(i => options.FilterCountsOf(i).Max()).ToArray();
        inputOffset = new int[count];
        classifierOffset = new int[count];
        int channels = options.InputChannels, columns = 0;
        for (int i = 0; i < count; i++)
        {
            int oneInput = i == 0 ? options.InputChannels : maxFilters[i - 1];
            layers.Add(new SharedCnnLayer(options, i, channels, maxFilters[i], oneInput, generator));
            inputOffset[i] = channels;
            classifierOffset[i] = columns;
            channels += maxFilters[i];
            columns += maxFilters[i];
        }

        classifier_weight = new Parameter(zeros(options.ClassCount, columns));
        classifier_bias = new Parameter(zeros(options.ClassCount));
        double bound = 1 / Math.Sqrt(maxFilters[^1]);
        SeededInit.Uniform(classifier_weight, -bound, bound, generator);
        SeededInit.Uniform(classifier_bias, -bound, bound, generator);
        RegisterComponents();
    }

    /// <summary>The space whose children this network computes.</summary>
    public CnnSearchSpace Space { get; }

    /// <summary>Logits [N, classes] of <paramref name="child"/>'s sub-graph for images [N, C, H, W].</summary>
    public override Tensor forward(Tensor images, CnnArchitecture child)
    {
        CheckMember(child);
        var outputs = new Tensor[child.Layers.Count];
        var sourceAtStage = new List<Tensor> { images };
        CnnSkipResize join = options.EffectiveSkipResize;
        for (int i = 0; i < outputs.Length; i++)
        {
            CnnLayer layer = child.Layers[i];
            Tensor input;
            if (layer.Inputs.Count > 0)
            {
                input = FeatureMaps.Concat(layer.Inputs.Select(j => outputs[j]).ToArray(), join);
            }
            else
            {
                while (sourceAtStage.Count <= options.StageOf(i))
                    sourceAtStage.Add(FeatureMaps.Halve(sourceAtStage[^1]));
                input = sourceAtStage[options.StageOf(i)];
            }

            outputs[i] = layers[i].forward(input, layer, KernelChoice(child, i), InputBlocks(child, i));
        }

        int[] final = child.Layout.FinalInputs.ToArray();
        Tensor map = FeatureMaps.Concat(final.Select(i => outputs[i]).ToArray(), join);
        Tensor pooled = options.GlobalPooling == CnnGlobalPooling.Max ? map.amax(new long[] { 2, 3 }) : map.mean(new long[] { 2, 3 });
        using Tensor weight = cat(final.Select(j => classifier_weight.narrow(1, classifierOffset[j], child.Layers[j].Filters)).ToArray(), 1);
        Tensor logits = nn.functional.linear(pooled, weight, classifier_bias);
        return options.LogitScale == 1.0 ? logits : logits.mul_(options.LogitScale);
    }

    /// <summary>
    /// A stand-alone <see cref="ChildCnn"/> of <paramref name="child"/> holding copies of the weights its sub-graph uses
    /// here (batch norm's running averages included): the correspondence the sub-graph is built on.
    /// </summary>
    public ChildCnn ExtractChild(CnnArchitecture child)
    {
        CheckMember(child);
        var network = new ChildCnn(child);
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var buffers = network.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        using var noGrad = no_grad();
        for (int i = 0; i < child.Layers.Count; i++)
        {
            CnnLayer layer = child.Layers[i];
            (IReadOnlyList<(string Module, Tensor Weight)> weights, BatchNorm2d norm) = layers[i].Slices(layer, KernelChoice(child, i), InputBlocks(child, i));
            foreach ((string module, Tensor weight) in weights)
                using (weight)
                    parameters[$"layers.{i}.{module}.weight"].copy_(weight);
            parameters[$"layers.{i}.norm.weight"].copy_(norm.weight!.narrow(0, 0, layer.Filters));
            parameters[$"layers.{i}.norm.bias"].copy_(norm.bias!.narrow(0, 0, layer.Filters));
            buffers[$"layers.{i}.norm.running_mean"].copy_(norm.running_mean!.narrow(0, 0, layer.Filters));
            buffers[$"layers.{i}.norm.running_var"].copy_(norm.running_var!.narrow(0, 0, layer.Filters));
        }

        int[] final = child.Layout.FinalInputs.ToArray();
        using Tensor classifier = cat(final.Select(j => classifier_weight.narrow(1, classifierOffset[j], child.Layers[j].Filters)).ToArray(), 1);
        parameters["classifier.weight"].copy_(classifier);
        parameters["classifier.bias"].copy_(classifier_bias);
        return network;
    }

    private void CheckMember(CnnArchitecture child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (child.Space.Fingerprint != Space.Fingerprint)
            throw new ArgumentException("The architecture belongs to another search space than this shared network's.", nameof(child));
    }

    /// <summary>Index of the layer's (height, width) choice among the space's kernel pairs, read from its tokens.</summary>
    private int KernelChoice(CnnArchitecture child, int layer)
    {
        int k = Space.FirstStepOfLayer(layer);
        return child.Tokens[k] * options.FilterWidths.Count + child.Tokens[k + 1];
    }

    /// <summary>(offset, channels) of each input's block in layer <paramref name="layer"/>'s bank, in concatenation order.</summary>
    private (int Offset, int Channels)[] InputBlocks(CnnArchitecture child, int layer)
    {
        IReadOnlyList<int> inputs = child.Layers[layer].Inputs;
        return inputs.Count == 0
            ? new[] { (0, options.InputChannels) }
            : inputs.Select(j => (inputOffset[j], child.Layers[j].Filters)).ToArray();
    }
}
