using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// The TorchSharp network of a <see cref="CnnArchitecture"/> (Zoph &amp; Le 2017): each layer reads the depth-wise
/// concatenation of its input layers (the image when it has none), layers that feed no later layer are concatenated
/// into the final map, then global average pooling and a linear classifier give logits. Maps of different sizes are
/// zero-padded at the bottom/right or max-pooled to the smallest before concatenation, as the space's
/// <see cref="CnnSearchSpaceOptions.SkipResize"/> says; fixed reductions pool the output of their layer, and a layer
/// without inputs reads the image pooled once per reduction before it (see <see cref="CnnLayout"/>).
/// </summary>
internal sealed class ChildCnn : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<CnnLayerBlock> layers;
    private readonly Linear classifier;
    private readonly int[][] inputsOf;
    private readonly int[] finalInputs;
    private readonly int[] stageOf;
    private readonly CnnSkipResize join;
    private readonly int inputChannels, inputHeight, inputWidth;

    /// <param name="architecture">The layers and shapes to build.</param>
    /// <param name="generator">
    /// When given, every weight is (re)initialised from it with PyTorch's default schemes, so that the initial weights
    /// depend on this generator alone and not on torch's global one (which other threads may be drawing from).
    /// </param>
    public ChildCnn(CnnArchitecture architecture, Generator? generator = null) : base(nameof(ChildCnn))
    {
        ArgumentNullException.ThrowIfNull(architecture);
        Architecture = architecture;
        CnnLayout layout = architecture.Layout;
        CnnSearchSpaceOptions options = architecture.Space.Options;
        layers = new ModuleList<CnnLayerBlock>();
        for (int i = 0; i < architecture.Layers.Count; i++)
            layers.Add(new CnnLayerBlock(architecture.Layers[i], layout.Layers[i].InputChannels, options.ReducesAfter(i)));
        classifier = nn.Linear(layout.FinalChannels, options.ClassCount);
        inputsOf = architecture.Layers.Select(l => l.Inputs.ToArray()).ToArray();
        finalInputs = layout.FinalInputs.ToArray();
        stageOf = Enumerable.Range(0, architecture.Layers.Count).Select(options.StageOf).ToArray();
        join = options.EffectiveSkipResize;
        (inputChannels, inputHeight, inputWidth) = (options.InputChannels, options.InputHeight, options.InputWidth);
        RegisterComponents();
        if (generator is not null)
            InitializeWeights(generator);
    }

    /// <summary>The architecture this network was built from.</summary>
    public CnnArchitecture Architecture { get; }

    /// <summary>Images [N, C, H, W] (the space's input shape) to logits [N, classes].</summary>
    public override Tensor forward(Tensor images)
    {
        Tensor[] outputs = LayerOutputs(images);
        Tensor final = FeatureMaps.Concat(finalInputs.Select(i => outputs[i]).ToArray(), join);
        return classifier.forward(final.mean(new long[] { 2, 3 }));
    }

    /// <summary>Every layer's output map [N, Filters, H_i, W_i], in layer order (for inspection and tests).</summary>
    public Tensor[] LayerOutputs(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != inputChannels || images.shape[2] != inputHeight || images.shape[3] != inputWidth)
            throw new ArgumentException(
                $"ChildCnn expects images of shape [N, {inputChannels}, {inputHeight}, {inputWidth}]; got [{string.Join(", ", images.shape)}].",
                nameof(images));

        var outputs = new Tensor[layers.Count];
        // The image as inputless layers read it, halved once per reduction before them (made only when read).
        var imageAtStage = new List<Tensor> { images };
        for (int i = 0; i < outputs.Length; i++)
        {
            Tensor input;
            if (inputsOf[i].Length > 0)
            {
                input = FeatureMaps.Concat(inputsOf[i].Select(j => outputs[j]).ToArray(), join);
            }
            else
            {
                while (imageAtStage.Count <= stageOf[i])
                    imageAtStage.Add(FeatureMaps.Halve(imageAtStage[^1]));
                input = imageAtStage[stageOf[i]];
            }

            outputs[i] = layers[i].forward(input);
        }

        return outputs;
    }

    /// <summary>
    /// PyTorch's defaults drawn from <paramref name="generator"/>: conv and linear weights use kaiming_uniform with
    /// a = sqrt 5, which is uniform(+-1/sqrt(fan_in)); the linear bias uses the same bound. BatchNorm starts at scale 1,
    /// shift 0 regardless.
    /// </summary>
    private void InitializeWeights(Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("conv.weight", StringComparison.Ordinal) || name == "classifier.weight")
            {
                long fanIn = parameter.numel() / parameter.shape[0];
                double bound = 1 / Math.Sqrt(fanIn);
                SeededInit.Uniform(parameter, -bound, bound, generator);
            }
            else if (name == "classifier.bias")
            {
                double bound = 1 / Math.Sqrt(classifier.in_features);
                SeededInit.Uniform(parameter, -bound, bound, generator);
            }
        }
    }
}
