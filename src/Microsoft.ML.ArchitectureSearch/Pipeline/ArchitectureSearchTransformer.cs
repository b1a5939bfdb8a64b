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

    /// <summary>The best architecture as a typed object of its search space (layers, cell tree; diagram via IDrawableArchitecture).</summary>
    public SearchSpaces.IArchitecture DecodeArchitecture() => NetworkFactories.Get(_payload.Architecture.SearchSpace).Decode(_payload.Architecture.Json);

    /// <summary>Writes the search report (history CSV, charts, best-architecture diagram, summary) into <paramref name="directory"/>.</summary>
    public SearchReportFiles WriteReport(string directory, string? title = null) =>
        SearchReport.Write(_payload.Trials, directory, DecodeArchitecture().Space, title);

    /// <summary>
    /// Corpus-level perplexity of a language model over all rows of <paramref name="data"/>: exp of the mean negative
    /// log-likelihood over every word and closing <c>&lt;eos&gt;</c> (each sentence scored from a fresh state, as the
    /// Perplexity column is). Streams the rows; nothing is materialised.
    /// </summary>
    public double EvaluatePerplexity(IDataView data)
    {
        if (Task != ArchitectureSearchTask.LanguageModeling)
            throw new InvalidOperationException("Perplexity is defined for language models; this transformer classifies images.");
        IDataView scored = Transform(data);
        DataViewSchema.Column text = scored.Schema[_payload.Columns.Feature];
        DataViewSchema.Column perplexity = scored.Schema[_payload.Columns.Perplexity];
        double negativeLogLikelihood = 0;
        long tokens = 0;
        using DataViewRowCursor cursor = scored.GetRowCursor(new[] { text, perplexity });
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getPerplexity = cursor.GetGetter<float>(perplexity);
        ReadOnlyMemory<char> sentence = default;
        float value = 0;
        while (cursor.MoveNext())
        {
            getText(ref sentence);
            getPerplexity(ref value);
            int count = Vocabulary.Split(sentence.ToString()).Length + 1; // the words and <eos>
            negativeLogLikelihood += Math.Log(value) * count;
            tokens += count;
        }
        if (tokens == 0) throw new ArgumentException("The data has no rows to evaluate.", nameof(data));
        return Math.Exp(negativeLogLikelihood / tokens);
    }

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
