using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.Pipeline.Search;
using Microsoft.ML.ArchitectureSearch.Torch;
using Microsoft.ML.Runtime;
using static Microsoft.ML.SchemaShape.Column;

namespace Microsoft.ML.ArchitectureSearch;

/// <summary>
/// Searches for a neural network architecture for images or text, trains the best one with TorchSharp and returns it as
/// an <see cref="ArchitectureSearchTransformer"/>. Create it with <c>mlContext.Transforms.ArchitectureSearch(options)</c>.
/// </summary>
public sealed class ArchitectureSearchEstimator : IEstimator<ArchitectureSearchTransformer>
{
    private readonly IHost _host;
    private readonly ArchitectureSearchOptions _options;
    private readonly int _seed;
    private readonly ISearchRunner _runner;

    internal ArchitectureSearchEstimator(IHostEnvironment env, ArchitectureSearchOptions options, ISearchRunner? runner = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        _host = env.Register(nameof(ArchitectureSearchEstimator));
        _options = options.Clone();
        // Seed: the options', else the MLContext's, else one drawn from the host's random source (itself seeded
        // from the environment), as ML.NET trainers do.
        _seed = options.Seed ?? MLNetInternalsAccess.Instance.GetSeed(env) ?? _host.Rand.Next();
        _runner = runner ?? new NasSearchRunner();
    }

    /// <summary>The seed this estimator's Fit uses (options.Seed, else the MLContext's).</summary>
    public int Seed => _seed;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        IMLNetInternals ml = MLNetInternalsAccess.Instance;
        var added = new List<SchemaShape.Column>();
        if (_options.Task == ArchitectureSearchTask.ImageClassification)
        {
            string feature = _options.FeatureColumnName, label = _options.LabelColumnName;
            if (!TryFindColumn(inputSchema, feature, out var featureColumn))
                throw InputSchemaChecks.Missing(feature, "feature");
            if (featureColumn.Kind != VectorKind.Vector || featureColumn.IsKey || featureColumn.ItemType != NumberDataViewType.Single)
                throw InputSchemaChecks.Mismatch(feature, "feature",
                    InputSchemaChecks.ImageExpectation(_options.ImageChannels, _options.ImageHeight, _options.ImageWidth), Describe(featureColumn));
            if (!TryFindColumn(inputSchema, label, out var labelColumn))
                throw InputSchemaChecks.Missing(label, "label");
            if (labelColumn.Kind != VectorKind.Scalar || !labelColumn.IsKey)
                throw InputSchemaChecks.Mismatch(label, "label", InputSchemaChecks.LabelExpectation, Describe(labelColumn));

            var keyValues = TryFindColumn(labelColumn.Annotations, AnnotationNames.KeyValues, out var kv)
                && kv.ItemType is TextDataViewType ? new[] { kv } : Array.Empty<SchemaShape.Column>();
            var scoreAnnotations = keyValues
                .Select(_ => ml.ShapeColumn(AnnotationNames.SlotNames, VectorKind.Vector, TextDataViewType.Instance, false))
                .Append(ml.ShapeColumn(AnnotationNames.ScoreColumnKind, VectorKind.Scalar, TextDataViewType.Instance, false))
                .Append(ml.ShapeColumn(AnnotationNames.ScoreValueKind, VectorKind.Scalar, TextDataViewType.Instance, false))
                .ToArray();
            added.Add(ml.ShapeColumn(_options.ScoreColumnName, VectorKind.Vector, NumberDataViewType.Single, false, scoreAnnotations));
            added.Add(ml.ShapeColumn(_options.PredictedLabelColumnName, VectorKind.Scalar, NumberDataViewType.UInt32, true, keyValues));
        }
        else
        {
            string text = _options.FeatureColumnName;
            if (!TryFindColumn(inputSchema, text, out var textColumn))
                throw InputSchemaChecks.Missing(text, "text");
            if (textColumn.Kind != VectorKind.Scalar || textColumn.ItemType is not TextDataViewType)
                throw InputSchemaChecks.Mismatch(text, "text", InputSchemaChecks.TextExpectation, Describe(textColumn));
            added.Add(ml.ShapeColumn(_options.PerplexityColumnName, VectorKind.Scalar, NumberDataViewType.Single, false));
            added.Add(ml.ShapeColumn(_options.PredictedNextWordColumnName, VectorKind.Scalar, TextDataViewType.Instance, false));
        }
        var names = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    /// <summary>Searches and trains on <paramref name="input"/>; validation rows come from options (data or fraction).</summary>
    public ArchitectureSearchTransformer Fit(IDataView input) => Fit(input, _options.ValidationData);

    /// <summary>Searches and trains on <paramref name="trainingData"/>, scoring the children on <paramref name="validationData"/>
    /// (null: hold out options.ValidationFraction of the training rows).</summary>
    public ArchitectureSearchTransformer Fit(IDataView trainingData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        using IChannel channel = _host.Start(nameof(Fit));

        // 1. Validate the schemas (before reading any row).
        CheckSchema(trainingData.Schema, out KeyDataViewType? labelType);
        if (validationData != null)
            CheckSchema(validationData.Schema, out _);

        // 2. Read (and check) the rows, split off validation rows when none were given.
        (TaskData train, TaskData validation, NetworkConfiguration network, LabelKeys? labels, Vocabulary? vocabulary) =
            ReadData(trainingData, validationData, labelType);

        // 3. Search, then retrain the best child.
        var request = new SearchRequest(_options.Clone(), _seed, TorchDevices.Resolve(_options.Device), train, validation,
            network, message => channel.Info(MessageSensitivity.None, "{0}", message));
        SearchRunResult outcome = _runner.Run(request);

        // 4. The transformer rebuilds the network from the outcome exactly as Load will.
        var payload = new ModelPayload(outcome.Architecture, network, ColumnNames.From(_options), labels,
            vocabulary?.Words, outcome.Trials);
        return ArchitectureSearchTransformer.Create(payload, outcome.NetworkWeights, _options.Device);
    }

    private void CheckSchema(DataViewSchema schema, out KeyDataViewType? labelType)
    {
        labelType = null;
        if (_options.Task == ArchitectureSearchTask.LanguageModeling)
        {
            InputSchemaChecks.CheckTextColumn(schema, _options.FeatureColumnName);
            return;
        }
        InputSchemaChecks.CheckImageColumn(schema, _options.FeatureColumnName, _options.ImageChannels, _options.ImageHeight, _options.ImageWidth);
        labelType = InputSchemaChecks.CheckLabelColumn(schema, _options.LabelColumnName);
        if (labelType.Count < 2)
            throw new ArgumentException($"The label column '{_options.LabelColumnName}' has {labelType.Count} key value(s); classification needs at least 2 classes.");
        if (labelType.Count > int.MaxValue)
            throw new ArgumentException($"The label column '{_options.LabelColumnName}' has {labelType.Count} key values; at most {int.MaxValue} classes are supported.");
    }

    private (TaskData, TaskData, NetworkConfiguration, LabelKeys?, Vocabulary?) ReadData(
        IDataView trainingData, IDataView? validationData, KeyDataViewType? labelType)
    {
        TaskData all;
        TaskData? validation = null;
        NetworkConfiguration network;
        LabelKeys? labels = null;
        Vocabulary? vocabulary = null;
        if (_options.Task == ArchitectureSearchTask.ImageClassification)
        {
            int classCount = (int)labelType!.Count;
            ImageTaskData Read(IDataView data, string name) => TaskDataReader.ReadImages(data, name, _options.FeatureColumnName,
                _options.LabelColumnName, _options.ImageChannels, _options.ImageHeight, _options.ImageWidth, classCount);
            var images = Read(trainingData, "training data");
            TaskDataReader.CheckClassesPresent(images, _options.LabelColumnName);
            all = images;
            if (validationData != null)
                validation = Read(validationData, "validation data");
            network = NetworkConfiguration.ForImages(_options.ImageChannels, _options.ImageHeight, _options.ImageWidth, classCount);
            labels = new LabelKeys(classCount, ReadKeyValues(trainingData.Schema[_options.LabelColumnName], classCount));
        }
        else
        {
            IReadOnlyList<string> sentences = TaskDataReader.ReadSentences(trainingData, "training data", _options.FeatureColumnName);
            vocabulary = Vocabulary.Build(sentences);
            all = new TextTaskData(sentences, vocabulary);
            if (validationData != null)
                validation = new TextTaskData(TaskDataReader.ReadSentences(validationData, "validation data", _options.FeatureColumnName), vocabulary);
            network = NetworkConfiguration.ForLanguageModel(vocabulary.Count);
        }

        if (validation != null)
            return (all, validation, network, labels, vocabulary);

        // Hold out a seeded random ValidationFraction of the rows (at least one, leaving at least one for training).
        if (all.Count < 2)
            throw new ArgumentException($"The training data has {all.Count} row; at least 2 are needed to hold out validation rows (or pass validation data).");
        int validationCount = Math.Clamp((int)Math.Round(all.Count * _options.ValidationFraction), 1, all.Count - 1);
        int[] order = Enumerable.Range(0, all.Count).ToArray();
        new Random(_seed).Shuffle(order);
        TaskData train = all.Select(order[validationCount..].Order().ToArray());
        TaskData heldOut = all.Select(order[..validationCount].Order().ToArray());
        return (train, heldOut, network, labels, vocabulary);
    }

    // Class names from the label's KeyValues annotation when they are text (what MapValueToKey on a string column
    // makes); other key-value types are not carried (PredictedLabel then has no KeyValues annotation).
    private static IReadOnlyList<string>? ReadKeyValues(DataViewSchema.Column label, int count)
    {
        DataViewSchema.Column? kind = label.Annotations.Schema.GetColumnOrNull(AnnotationNames.KeyValues);
        if (kind?.Type is not VectorDataViewType { ItemType: TextDataViewType })
            return null;
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        label.Annotations.GetValue(AnnotationNames.KeyValues, ref values);
        if (values.Length != count)
            throw new ArgumentException($"The label column '{label.Name}' has {count} keys but {values.Length} key values.");
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    // SchemaShape.TryFindColumn is internal; a shape is a list of uniquely named columns.
    private static bool TryFindColumn(SchemaShape shape, string name, out SchemaShape.Column column)
    {
        foreach (SchemaShape.Column candidate in shape)
        {
            if (candidate.Name == name)
            {
                column = candidate;
                return true;
            }
        }
        column = default;
        return false;
    }

    private static string Describe(SchemaShape.Column column) =>
        $"{(column.Kind == VectorKind.Scalar ? "" : column.Kind == VectorKind.Vector ? "known-size vector of " : "variable-size vector of ")}{(column.IsKey ? "key " : "")}{column.ItemType}";

    private static void CheckOptions(ArchitectureSearchOptions o)
    {
        void Require(bool ok, string name, string rule)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException(nameof(ArchitectureSearchOptions) + "." + name, $"ArchitectureSearchOptions.{name} {rule}.");
        }
        Require(Enum.IsDefined(o.Task), nameof(o.Task), "is not a known task");
        Require(!string.IsNullOrWhiteSpace(o.FeatureColumnName), nameof(o.FeatureColumnName), "must name a column");
        Require(o.Task != ArchitectureSearchTask.ImageClassification || !string.IsNullOrWhiteSpace(o.LabelColumnName), nameof(o.LabelColumnName), "must name a column");
        Require(o.ImageChannels > 0, nameof(o.ImageChannels), "must be positive");
        Require(o.ImageHeight > 0, nameof(o.ImageHeight), "must be positive");
        Require(o.ImageWidth > 0, nameof(o.ImageWidth), "must be positive");
        Require((long)o.ImageChannels * o.ImageHeight * o.ImageWidth <= int.MaxValue, nameof(o.ImageChannels), "x ImageHeight x ImageWidth is too large");
        Require(o.MaxTrials > 0, nameof(o.MaxTrials), "must be positive");
        Require(o.MaxSearchTime == null || o.MaxSearchTime > TimeSpan.Zero, nameof(o.MaxSearchTime), "must be positive or null");
        Require(o.TrialEpochs > 0, nameof(o.TrialEpochs), "must be positive");
        Require(o.FinalEpochs > 0, nameof(o.FinalEpochs), "must be positive");
        Require(o.SearchTrainingRows == null || o.SearchTrainingRows > 0, nameof(o.SearchTrainingRows), "must be positive or null");
        Require(o.FixedArchitecture == null || !string.IsNullOrWhiteSpace(o.FixedArchitecture), nameof(o.FixedArchitecture), "must be architecture JSON or null");
        Require(o.BatchSize == null || o.BatchSize > 0, nameof(o.BatchSize), "must be positive or null");
        Require(o.ValidationFraction > 0 && o.ValidationFraction < 1, nameof(o.ValidationFraction), "must be between 0 and 1 (exclusive)");
        Require(o.ConvolutionalSpace != null, nameof(o.ConvolutionalSpace), "must not be null");
        Require(o.RecurrentCellSpace != null, nameof(o.RecurrentCellSpace), "must not be null");
        Require(o.LanguageModelTraining != null, nameof(o.LanguageModelTraining), "must not be null");
        Require(o.ImageTraining != null, nameof(o.ImageTraining), "must not be null");
        Require(o.Reinforce != null, nameof(o.Reinforce), "must not be null");
        Require(o.Evolution != null, nameof(o.Evolution), "must not be null");
        Require(o.Parallelism > 0, nameof(o.Parallelism), "must be positive");
        Require(o.MaxParametersPerChild == null || o.MaxParametersPerChild > 0, nameof(o.MaxParametersPerChild), "must be positive or null");
        Require(o.TrialTimeLimit == null || o.TrialTimeLimit > TimeSpan.Zero, nameof(o.TrialTimeLimit), "must be positive or null");
    }
}
