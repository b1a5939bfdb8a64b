using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.Data;
using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Reporting;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.Torch;
using Microsoft.ML.Runtime;

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
    private readonly SharedNetwork _network;
    private readonly IOutputHead _head;

    private ArchitectureSearchTransformer(ModelPayload payload, byte[] weights, string device)
    {
        _payload = payload;
        _weights = weights;
        var network = NetworkFactories.Get(payload.Architecture.SearchSpace).Create(payload.Architecture.Json, payload.Network);
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
        _network = new SharedNetwork(network, TorchDevices.Resolve(device));
        _head = payload.Task switch
        {
            ArchitectureSearchTask.ImageClassification => new ImageClassificationHead(payload.Columns, payload.Network,
                payload.Labels ?? throw new InvalidDataException("An image classification model must carry its label keys."), _network),
            ArchitectureSearchTask.LanguageModeling => new LanguageModelHead(payload.Columns,
                new Vocabulary(payload.Vocabulary ?? throw new InvalidDataException("A language model must carry its vocabulary.")), _network),
            _ => throw new InvalidDataException($"Unknown task {payload.Task}."),
        };
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

    /// <summary>Every proposal of the search that produced this model, in order (the rows of <see cref="History"/>).</summary>
    public IReadOnlyList<TrialRecord> Trials => _payload.Trials;

    /// <summary>Number of classes (image classification), 0 otherwise.</summary>
    public int ClassCount => _payload.Network.ClassCount;

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
        return new ScoredDataView(input, new OutputBindings(input.Schema, _head));
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
        MLNetInternalsAccess.Instance.Save(ctx, ModelPayloadSerializer.Serialize(_payload, _weights), _weights);
    }
}
