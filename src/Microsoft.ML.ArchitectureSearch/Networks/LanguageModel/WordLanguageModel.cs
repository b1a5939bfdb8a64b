using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;

/// <summary>
/// Word-level language model in the shape of PyTorch's word_language_model example: embedding, dropout, stacked
/// recurrent layers with dropout between them, dropout, linear decoder (optionally tied to the embedding).
/// forward(tokens [seq, batch] int64, h [layers, batch, hidden], c [layers, batch, hidden]) returns logits
/// [seq*batch, vocab] (row t*batch + b is step t of sequence b) and the new (h, c) to carry into the next segment.
/// </summary>
internal sealed class WordLanguageModel : nn.Module<Tensor, Tensor, Tensor, (Tensor Logits, Tensor H, Tensor C)>
{
    private readonly Embedding encoder;
    private readonly ModuleList<RecurrentLayer> layers;
    private readonly Linear decoder;

    public WordLanguageModel(int vocabularySize, int embeddingSize, IReadOnlyList<RecurrentLayer> recurrentLayers, double dropout, bool tieWeights)
        : base(nameof(WordLanguageModel))
    {
        ArgumentNullException.ThrowIfNull(recurrentLayers);
        if (vocabularySize < 2) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least 2 words.");
        if (recurrentLayers.Count == 0) throw new ArgumentException("A language model needs at least one recurrent layer.", nameof(recurrentLayers));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        int expectedInput = embeddingSize;
        for (int i = 0; i < recurrentLayers.Count; i++)
        {
            if (recurrentLayers[i].InputSize != expectedInput)
                throw new ArgumentException($"Recurrent layer {i} takes {recurrentLayers[i].InputSize} inputs but receives {expectedInput}.", nameof(recurrentLayers));
            expectedInput = recurrentLayers[i].HiddenSize;
        }
        HiddenSize = recurrentLayers[0].HiddenSize;
        if (recurrentLayers.Any(l => l.HiddenSize != HiddenSize))
            throw new ArgumentException("All recurrent layers must have the same hidden size (the state is one [layers, batch, hidden] tensor).", nameof(recurrentLayers));
        if (tieWeights && embeddingSize != HiddenSize)
            throw new ArgumentException($"Tied weights need embedding size == hidden size, got {embeddingSize} and {HiddenSize}.", nameof(tieWeights));

        VocabularySize = vocabularySize;
        EmbeddingSize = embeddingSize;
        LayerCount = recurrentLayers.Count;
        Dropout = dropout;
        TiedWeights = tieWeights;
        encoder = nn.Embedding(vocabularySize, embeddingSize);
        layers = nn.ModuleList(recurrentLayers.ToArray());
        decoder = nn.Linear(HiddenSize, vocabularySize);
        if (tieWeights)
            decoder.weight = encoder.weight!;
        RegisterComponents();
    }

    /// <summary>A language model whose layers run the searched cell, shaped by the architecture's space options.</summary>
    public static WordLanguageModel CreateSearched(RecurrentCellArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var o = architecture.CellSpace.Options;
        var cells = Enumerable.Range(0, o.Layers)
            .Select(i => (RecurrentLayer)new SearchedRecurrentLayer(architecture, i == 0 ? o.EmbeddingSize : o.HiddenSize, o.HiddenSize))
            .ToArray();
        return new WordLanguageModel(o.VocabularySize, o.EmbeddingSize, cells, o.Dropout, o.TieWeights);
    }

    /// <summary>The LSTM baseline of the same shape (embedding, hidden, layers, dropout, tying) as the search space.</summary>
    public static WordLanguageModel CreateLstm(RecurrentCellSearchSpaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var cells = Enumerable.Range(0, options.Layers)
            .Select(i => (RecurrentLayer)new LstmLayer(i == 0 ? options.EmbeddingSize : options.HiddenSize, options.HiddenSize))
            .ToArray();
        return new WordLanguageModel(options.VocabularySize, options.EmbeddingSize, cells, options.Dropout, options.TieWeights);
    }

    public int VocabularySize { get; }

    public int EmbeddingSize { get; }

    public int HiddenSize { get; }

    public int LayerCount { get; }

    public double Dropout { get; }

    public bool TiedWeights { get; }

    public IReadOnlyList<RecurrentLayer> Layers => layers.ToArray();

    /// <summary>Draws dropout masks; null uses TorchSharp's global generator. The trainer sets a seeded one.</summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>Each trainable tensor once (a tied embedding/decoder matrix is listed once, unlike a naive walk).</summary>
    public IReadOnlyList<Parameter> UniqueParameters()
    {
        // The tied decoder weight is the embedding tensor under a second name; walking named parameters lists it twice.
        return named_parameters()
            .Where(p => !(TiedWeights && p.name == "decoder.weight"))
            .Select(p => p.parameter)
            .ToArray();
    }

    /// <summary>Number of trainable scalars, counting a tied matrix once.</summary>
    public long ParameterCount => UniqueParameters().Sum(p => p.numel());

    /// <summary>Where the weights live.</summary>
    public Device Device => encoder.weight!.device;

    /// <summary>
    /// Moves the model to <paramref name="device"/> and re-ties the decoder to the embedding, since moving parameters one
    /// by one would give the decoder its own copy.
    /// </summary>
    public WordLanguageModel MoveTo(Device device)
    {
        this.to(device);
        if (TiedWeights)
            decoder.weight = encoder.weight!;
        return this;
    }

    /// <summary>Zero (h, c) of shape [layers, batch, hidden] on the model's device.</summary>
    public (Tensor H, Tensor C) InitialState(long batchSize)
    {
        var device = encoder.weight!.device;
        return (zeros(LayerCount, batchSize, HiddenSize, device: device), zeros(LayerCount, batchSize, HiddenSize, device: device));
    }

    /// <summary>
    /// Seeded initialisation as in the PyTorch recipe: embedding and decoder uniform in ±0.1, decoder bias 0, recurrent
    /// weights uniform in ±1/sqrt(hidden). Only <paramref name="generator"/> is drawn from.
    /// </summary>
    public void ResetParameters(Generator generator)
    {
        using (no_grad())
        {
            SeededInit.Uniform(encoder.weight!, -0.1, 0.1, generator);
            if (!TiedWeights)
                SeededInit.Uniform(decoder.weight!, -0.1, 0.1, generator);
            decoder.bias!.zero_();
        }
        foreach (var layer in layers)
            layer.ResetParameters(generator);
    }

    public override (Tensor Logits, Tensor H, Tensor C) forward(Tensor tokens, Tensor h, Tensor c)
    {
        if (tokens.dim() != 2 || tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"Tokens must be an int64 tensor [seq, batch], got {tokens.dtype} [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        long batch = tokens.shape[1];
        if (!h.shape.SequenceEqual(new[] { LayerCount, batch, (long)HiddenSize }) || !c.shape.SequenceEqual(h.shape))
            throw new ArgumentException(
                $"The state must be two [{LayerCount}, {batch}, {HiddenSize}] tensors, got [{string.Join(", ", h.shape)}] and [{string.Join(", ", c.shape)}].");
        var x = ApplyDropout(encoder.forward(tokens));
        var hs = new Tensor[LayerCount];
        var cs = new Tensor[LayerCount];
        for (int l = 0; l < LayerCount; l++)
        {
            (x, hs[l], cs[l]) = layers[l].forward(x, h[l], c[l]);
            x = ApplyDropout(x);
        }
        var logits = decoder.forward(x.reshape(-1, HiddenSize));
        return (logits, stack(hs, 0), stack(cs, 0));
    }

    /// <summary>
    /// Writes one eval-mode time step as ONNX nodes: <paramref name="tokens"/> (int64 word ids, [N] or [N, 1]) and the
    /// state <paramref name="h"/>, <paramref name="c"/> ([N, layers, hidden], batch first) to the log-probabilities of
    /// the next word [N, vocabulary] and the new state (same layout). Dropout is the identity in eval mode. A layer
    /// without an ONNX form is refused naming its type.
    /// </summary>
    public (string LogProbabilities, string H, string C) ExportOnnxStep(OnnxGraphBuilder onnx, string tokens, string h, string c)
    {
        var steps = new IOnnxRecurrentStep[LayerCount];
        for (int l = 0; l < LayerCount; l++)
            steps[l] = layers[l] as IOnnxRecurrentStep ?? throw new NotSupportedException(
                $"The recurrent layer {layers[l].GetType().Name} (layer {l}) has no ONNX export; the searched tree cell, the ENAS cell and the LSTM export.");
        string x = onnx.Reshape(onnx.Gather(encoder.weight!, tokens, "encoder"), new long[] { -1, EmbeddingSize }, "encoder.rows");
        string LayerState(string state, int l, string part) =>
            onnx.Reshape(onnx.Slice(state, l, l + 1, 1, 1, $"layers.{l}.{part}"), new long[] { -1, HiddenSize }, $"layers.{l}.{part}.rows");
        var hs = new string[LayerCount];
        var cs = new string[LayerCount];
        for (int l = 0; l < LayerCount; l++)
        {
            (hs[l], cs[l]) = steps[l].ExportOnnxStep(onnx, x, LayerState(h, l, "h"), LayerState(c, l, "c"), $"layers.{l}");
            x = hs[l];
        }
        string logProbabilities = onnx.LogSoftmax(onnx.Linear(x, decoder, "decoder"), "log_probabilities");
        string Stack(string[] states, string part) => onnx.Concat(
            states.Select((s, l) => onnx.Reshape(s, new long[] { -1, 1, HiddenSize }, $"layers.{l}.next_{part}")).ToArray(), 1, "next_" + part);
        return (logProbabilities, Stack(hs, "h"), Stack(cs, "c"));
    }

    /// <summary>
    /// Runs one segment of a stream read in pieces: forwards <paramref name="tokens"/> from the carried state, replaces
    /// <paramref name="h"/> and <paramref name="c"/> (disposing the old ones) by the state after the segment, moved out of
    /// the caller's dispose scope so it outlives the segment, and returns the logits in that scope.
    /// </summary>
    public Tensor ForwardCarryingState(Tensor tokens, ref Tensor h, ref Tensor c)
    {
        (Tensor logits, Tensor nextH, Tensor nextC) = forward(tokens, h, c);
        h.Dispose();
        c.Dispose();
        h = nextH.MoveToOuterDisposeScope();
        c = nextC.MoveToOuterDisposeScope();
        return logits;
    }

    /// <summary>Inverted dropout with masks from <see cref="DropoutGenerator"/>, so training is reproducible per seed.</summary>
    private Tensor ApplyDropout(Tensor x)
    {
        if (!training || Dropout == 0)
            return x;
        double keep = 1 - Dropout;
        using var mask = empty_like(x).bernoulli_(keep, DropoutGenerator);
        return x * mask.div_(keep);
    }
}
