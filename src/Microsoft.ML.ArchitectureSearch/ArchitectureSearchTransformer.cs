using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Tasks;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch;

/// <summary>
/// The fitted result of <see cref="ArchitectureSearchEstimator"/>: the best network the search found, trained, applied
/// row by row. Image classification adds Score and PredictedLabel; language modeling adds Perplexity and
/// PredictedNextWord. Saved with <c>mlContext.Model.Save</c> it loads back as this type, in any process.
/// </summary>
/// <remarks>
/// Not IDisposable on purpose: ML.NET disposes an IDisposable transformer when a PredictionEngine built on it (or a
/// chain holding it) is disposed, which would free the network of a model that is still in use. The network's native
/// memory is released by TorchSharp's finalizers when the transformer is collected.
/// </remarks>
public sealed class ArchitectureSearchTransformer : ITransformer, ICanSaveModel
{
    private readonly ModelPayload _payload;
    private readonly byte[] _weights;
    private readonly TaskDefinition _task;
    private readonly IArchitecture _architecture;
    private readonly IOutputHead _head;

    private ArchitectureSearchTransformer(ModelPayload payload, byte[] weights, string device)
    {
        _payload = payload;
        _weights = weights;
        _task = TaskDefinitions.For(payload.Task);
        _architecture = DecodeSaved(_task, payload.Architecture);
        nn.Module<Tensor, Tensor> network = _task.BuildScoringNetwork(_architecture, payload.Data);
        try
        {
            NetworkWeights.Load(network, weights);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            network.Dispose();
            throw new InvalidDataException(
                $"The weights of architecture {payload.Architecture.Hash} ({payload.Architecture.SearchSpace}) do not fit the network rebuilt from its JSON: {e.Message}", e);
        }
        _head = _task.CreateHead(payload.Columns, payload.Data, new SharedNetwork(network, TorchDevices.Resolve(device)));
    }

    // The saved document must rebuild exactly the architecture the model names.
    private static IArchitecture DecodeSaved(TaskDefinition task, SearchedArchitecture saved)
    {
        IArchitecture architecture;
        try
        {
            architecture = task.DecodeSavedArchitecture(saved.Json);
        }
        catch (ArchitectureValidationException e)
        {
            throw new InvalidDataException($"The saved architecture {saved.Hash} cannot be rebuilt: {e.Message}", e);
        }
        if (architecture.Hash != saved.Hash)
            throw new InvalidDataException($"The saved architecture's document decodes to architecture {architecture.Hash}, not {saved.Hash}.");
        return architecture;
    }

    /// <summary>The task the network was searched for.</summary>
    public ArchitectureSearchTask Task => _payload.Task;

    /// <summary>The best architecture the search found (the one this transformer runs).</summary>
    public SearchedArchitecture Architecture => _payload.Architecture;

    /// <summary>
    /// One row per trial of the search: trial, architecture, hash, reward, metric, parameters, seconds, failed.
    /// A copy; changing it does not change the model.
    /// </summary>
    public DataFrame History => SearchHistoryFrame.Create(_payload.Trials);

    /// <summary>The best architecture as a typed object of its search space (layers, cell tree, diagram).</summary>
    internal IArchitecture DecodeArchitecture() => _architecture;

    /// <summary>Writes the search report (history CSV, charts, best-architecture diagram, summary) into <paramref name="directory"/>.</summary>
    public SearchReportFiles WriteReport(string directory, string? title = null) =>
        SearchReport.Write(_payload.Trials, directory, _architecture.Space, title, SharedCurves);

    /// <summary>
    /// The per-epoch curves of the weight-sharing search that produced this transformer, for its report; kept in memory
    /// only (the model zip holds the trials, from which a loaded model's report derives the mean rewards; the training
    /// loss and entropy of a saved search are in its checkpoint directory's report).
    /// </summary>
    internal Execution.WeightSharing.WeightSharingCurves? SharedCurves { get; set; }

    /// <summary>
    /// Corpus-level perplexity of a language model over all rows of <paramref name="data"/>: exp of the mean negative
    /// log-likelihood over every word and closing <c>&lt;eos&gt;</c> (each sentence scored from a fresh state, as the
    /// Perplexity column is). Streams the rows; nothing is materialised.
    /// </summary>
    public double EvaluatePerplexity(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_head is not LanguageModelHead languageModel)
            throw new InvalidOperationException("Perplexity is defined for language models; this transformer classifies images.");
        return languageModel.CorpusPerplexity(Transform(data));
    }

    /// <summary>Every proposal of the search that produced this model, in order (the rows of <see cref="History"/>).</summary>
    public IReadOnlyList<TrialRecord> Trials => _payload.Trials;

    /// <summary>Number of classes (image classification), 0 otherwise.</summary>
    public int ClassCount => (_payload.Data as Tasks.ImageClassification.ImageModelData)?.ClassCount ?? 0;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal static ArchitectureSearchTransformer Create(ModelPayload payload, byte[] weights, string device) =>
        new(payload, weights, device);

    /// <summary>Rebuilds a transformer from the bytes saved in a model zip (see MLNetInternals).</summary>
    internal static ArchitectureSearchTransformer FromSavedPayload(IHostEnvironment env, byte[] header, byte[] weights)
    {
        ModelPayload payload = ModelPayloadSerializer.Deserialize(header, weights);
        return new ArchitectureSearchTransformer(payload, weights, device: "auto");
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new OutputBindings(inputSchema, _head).Output;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Wrapped so that mlContext.Model.ConvertToOnnx finds the transformer's ONNX nodes (see MLNetInternals/OnnxExport).
        return new OnnxExportableView(input, new ScoredDataView(input, new OutputBindings(input.Schema, _head)), _head, this);
    }

    /// <summary>
    /// Writes the network alone as an ONNX model (standard operators, opset 12), for ONNX Runtime outside ML.NET.
    /// For image classification, its input is named as the feature column: float pixels [N, channels, height, width],
    /// exactly as this transformer reads them (the input normalisation is in the graph, and flip test-time averaging
    /// when the model was trained with it); its outputs are named as the Score column (class probabilities, float
    /// [N, classes]) and the PredictedLabel column (the 1-based label key, uint32 [N, 1]). Inside an ML.NET pipeline,
    /// use <c>mlContext.Model.ConvertToOnnx</c> instead, which this transformer takes part in.
    /// For language modeling, one time step of the network: inputs <c>Token</c> (int64 word id [N, 1]), <c>H</c> and
    /// <c>C</c> (the recurrent state, float [N, layers, hidden], zero before a sentence's first word); outputs
    /// <c>LogProbabilities</c> (of the next word, float [N, vocabulary]), <c>NextH</c> and <c>NextC</c>. The vocabulary
    /// (word ids in order, one per line) is the model's <c>vocabulary</c> metadata. A driver feeds a sentence word by
    /// word to get its Perplexity and PredictedNextWord exactly as <see cref="Transform"/> computes them
    /// (docs/onnx-export.md); <c>ConvertToOnnx</c> refuses language models.
    /// </summary>
    public void SaveAsOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _head.SaveAsOnnx(stream);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringRowMapper(new OutputBindings(inputSchema, _head));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        MLNetInternalsAccess.Save(ctx, ModelPayloadSerializer.Serialize(_payload, _weights), _weights);
    }
}
