using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Cnn;

/// <summary>
/// The TorchSharp network of a <see cref="CnnArchitecture"/> (Zoph &amp; Le 2017): each layer reads the depth-wise
/// concatenation of its input layers (the image when it has none), layers that feed no later layer are concatenated
/// into the final map, then global pooling (average or max) and a linear classifier give logits. Maps of different sizes are
/// zero-padded at the bottom/right or max-pooled to the smallest before concatenation, as the space's
/// <see cref="CnnSearchSpaceOptions.SkipResize"/> says; fixed reductions pool the output of their layer, and a layer
/// without inputs reads the image (or the stem's output) pooled once per reduction before it (see <see cref="CnnLayout"/>).
/// With a <see cref="CnnStem.PatchWhitening"/> stem, its fixed filters must be set (<see cref="SetWhiteningFilters"/>,
/// or by loading saved weights) before the network means anything.
/// </summary>
internal sealed class ChildCnn : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly PatchWhiteningStem? stem;
    private readonly ModuleList<CnnLayerBlock> layers;
    private readonly Linear classifier;
    private readonly int[][] inputsOf;
    private readonly int[] finalInputs;
    private readonly int[] stageOf;
    private readonly int[] lastReaderOf;
    private readonly bool[] isFinal;
    private readonly CnnSkipResize join;
    private readonly CnnGlobalPooling globalPooling;
    private readonly double logitScale;
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
        if (options.Stem == CnnStem.PatchWhitening)
            stem = new PatchWhiteningStem(options.InputChannels, options.PatchWhiteningChannels, options.Activation);
        layers = new ModuleList<CnnLayerBlock>();
        for (int i = 0; i < architecture.Layers.Count; i++)
            layers.Add(new CnnLayerBlock(architecture.Layers[i], layout.Layers[i].InputChannels, options.ReducesAfter(i), options.Activation));
        classifier = nn.Linear(layout.FinalChannels, options.ClassCount);
        inputsOf = architecture.Layers.Select(l => l.Inputs.ToArray()).ToArray();
        finalInputs = layout.FinalInputs.ToArray();
        stageOf = Enumerable.Range(0, architecture.Layers.Count).Select(options.StageOf).ToArray();
        lastReaderOf = new int[inputsOf.Length];
        for (int i = 0; i < inputsOf.Length; i++)
            foreach (int j in inputsOf[i])
                lastReaderOf[j] = i;
        isFinal = new bool[inputsOf.Length];
        foreach (int i in finalInputs)
            isFinal[i] = true;
        join = options.EffectiveSkipResize;
        globalPooling = options.GlobalPooling;
        logitScale = options.LogitScale;
        (inputChannels, inputHeight, inputWidth) = (options.InputChannels, options.InputHeight, options.InputWidth);
        RegisterComponents();
        if (generator is not null)
            InitializeWeights(generator);
    }

    /// <summary>The architecture this network was built from.</summary>
    public CnnArchitecture Architecture { get; }

    /// <summary>Whether the network starts with a patch-whitening stem whose filters come from the training images.</summary>
    public bool HasWhiteningStem => stem is not null;

    /// <summary>Sets the patch-whitening stem's fixed filters [8 x channels, channels, 2, 2].</summary>
    public void SetWhiteningFilters(Tensor filters) =>
        (stem ?? throw new InvalidOperationException("This network has no patch-whitening stem.")).SetFilters(filters);

    /// <summary>How the network computes; <see cref="CnnComputeMode.Standard"/> until <see cref="UseComputeMode"/> changes it.</summary>
    public CnnComputeMode ComputeMode { get; private set; } = CnnComputeMode.Standard;

    /// <summary>
    /// Switches the layout of the convolution weights and the precision of the convolutions and the classifier. It
    /// replaces the weight parameters, so call it before an optimizer takes them; a network is saved and scored in
    /// <see cref="CnnComputeMode.Standard"/>.
    /// </summary>
    public void UseComputeMode(CnnComputeMode mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        if (stem is not null)
        {
            stem.SetWeightLayout(mode.ChannelsLast);
            stem.BFloat16 = mode.BFloat16;
        }

        foreach (CnnLayerBlock layer in layers)
        {
            layer.SetWeightLayout(mode.ChannelsLast);
            layer.BFloat16 = mode.BFloat16;
        }

        ComputeMode = mode;
    }

    /// <summary>Images [N, C, H, W] (the space's input shape) to logits [N, classes] (float32).</summary>
    public override Tensor forward(Tensor images)
    {
        // Maps are disposed as soon as their last reader has run (the final map's layers are kept for the classifier),
        // so the pass holds only live maps: see CnnLayerBlock.forward.
        Tensor[] outputs = Run(images, keepAll: false);
        Tensor final = FeatureMaps.Concat(finalInputs.Select(i => outputs[i]).ToArray(), join);
        if (!ReferenceEquals(final, outputs[finalInputs[0]]))
            foreach (int i in finalInputs)
                outputs[i].Dispose();
        Tensor pooled = (globalPooling == CnnGlobalPooling.Max ? final.amax(new long[] { 2, 3 }) : final.mean(new long[] { 2, 3 })).DisposingInput(final);
        Tensor logits = ComputeOps.Linear(classifier, pooled, ComputeMode.BFloat16).DisposingInput(pooled);
        return logitScale == 1.0 ? logits : logits.mul_(logitScale);
    }

    /// <summary>
    /// <see cref="forward"/> (eval mode, <see cref="CnnComputeMode.Standard"/>) as ONNX nodes: images [N, C, H, W] to
    /// logits [N, classes]. Every operator the CNN spaces produce has a standard ONNX form, so this never refuses.
    /// </summary>
    public string ExportOnnx(OnnxGraphBuilder onnx, string images)
    {
        var source = new OnnxMap(images, inputHeight, inputWidth);
        if (stem is not null)
            source = stem.ExportOnnx(onnx, source);
        var sourceAtStage = new List<OnnxMap> { source };
        var outputs = new OnnxMap[layers.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            OnnxMap input;
            if (inputsOf[i].Length > 0)
            {
                input = FeatureMaps.ExportConcat(onnx, inputsOf[i].Select(j => outputs[j]).ToArray(), join, $"layer{i}.join");
            }
            else
            {
                while (sourceAtStage.Count <= stageOf[i])
                    sourceAtStage.Add(FeatureMaps.ExportHalve(onnx, sourceAtStage[^1], $"source{sourceAtStage.Count}"));
                input = sourceAtStage[stageOf[i]];
            }

            outputs[i] = layers[i].ExportOnnx(onnx, input, $"layer{i}");
        }

        OnnxMap final = FeatureMaps.ExportConcat(onnx, finalInputs.Select(i => outputs[i]).ToArray(), join, "final.join");
        string pooled = onnx.Unary(globalPooling == CnnGlobalPooling.Max ? "GlobalMaxPool" : "GlobalAveragePool", final.Variable, "final.pool");
        string logits = onnx.Linear(onnx.Unary("Flatten", pooled, "final.flatten"), classifier, "classifier");
        return logitScale == 1.0 ? logits : onnx.Binary("Mul", logits, onnx.Scalar((float)logitScale, "logit_scale"), "logits.scaled");
    }

    /// <summary>Every layer's output map [N, Filters, H_i, W_i], in layer order (for inspection and tests).</summary>
    public Tensor[] LayerOutputs(Tensor images) => Run(images, keepAll: true);

    private Tensor[] Run(Tensor images, bool keepAll)
    {
        if (images.dim() != 4 || images.shape[1] != inputChannels || images.shape[2] != inputHeight || images.shape[3] != inputWidth)
            throw new ArgumentException(
                $"ChildCnn expects images of shape [N, {inputChannels}, {inputHeight}, {inputWidth}]; got [{string.Join(", ", images.shape)}].",
                nameof(images));

        var outputs = new Tensor[layers.Count];
        // What inputless layers read (the image, or the stem's output), halved once per reduction before them (made only
        // when read); the caller's image itself is never disposed here.
        Tensor source = ComputeMode.ChannelsLast ? ComputeOps.ToChannelsLast(images) : images;
        if (stem is not null)
        {
            Tensor stemmed = stem.forward(source);
            if (!ReferenceEquals(source, images))
                source.Dispose();
            source = stemmed;
        }

        var sourceAtStage = new List<Tensor> { source };
        for (int i = 0; i < outputs.Length; i++)
        {
            Tensor input;
            if (inputsOf[i].Length > 0)
            {
                input = FeatureMaps.Concat(inputsOf[i].Select(j => outputs[j]).ToArray(), join);
            }
            else
            {
                while (sourceAtStage.Count <= stageOf[i])
                    sourceAtStage.Add(FeatureMaps.Halve(sourceAtStage[^1]));
                input = sourceAtStage[stageOf[i]];
            }

            outputs[i] = layers[i].forward(input);
            if (keepAll)
                continue;
            if (inputsOf[i].Length > 1)
                input.Dispose(); // the joined copy
            foreach (int j in inputsOf[i])
                if (lastReaderOf[j] == i && !isFinal[j])
                    outputs[j].Dispose();
        }

        if (!keepAll)
            foreach (Tensor map in sourceAtStage)
                if (!ReferenceEquals(map, images))
                    map.Dispose();
        return outputs;
    }

    /// <summary>
    /// PyTorch's defaults drawn from <paramref name="generator"/>: conv and linear weights use kaiming_uniform with
    /// a = sqrt 5, which is uniform(+-1/sqrt(fan_in)) (a depthwise filter's fan-in is its kernel's cells alone); the linear bias uses the same bound. BatchNorm starts at scale 1,
    /// shift 0 regardless.
    /// </summary>
    private void InitializeWeights(Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("conv.weight", StringComparison.Ordinal) || name.EndsWith("depthwise.weight", StringComparison.Ordinal) || name == "classifier.weight")
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
