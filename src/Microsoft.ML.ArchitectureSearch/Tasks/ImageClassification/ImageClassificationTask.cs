using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.Data;
using static Microsoft.ML.SchemaShape.Column;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// Image classification: a known-size Single vector (channels x height x width, planar) and a key label in; Score
/// (class probabilities) and PredictedLabel (the label's key type) out; Zoph &amp; Le's CNN space in between.
/// </summary>
internal sealed class ImageClassificationTask : TaskDefinition
{
    public static readonly ImageClassificationTask Instance = new();

    private ImageClassificationTask() { }

    public override ArchitectureSearchTask Task => ArchitectureSearchTask.ImageClassification;

    public override void CheckOptions(ArchitectureSearchOptions o)
    {
        ArchitectureSearchOptions.Require(!string.IsNullOrWhiteSpace(o.LabelColumnName), nameof(o.LabelColumnName), "must name a column");
        // The stem's fixed filters come from the training images; the shared network has no place for them yet.
        ArchitectureSearchOptions.RequireSupported(!o.WeightSharing || o.ConvolutionalSpace.Stem == CnnStem.None, nameof(o.WeightSharing),
            $"does not support ConvolutionalSpace.Stem = {o.ConvolutionalSpace.Stem} yet; use CnnStem.None");
    }

    public override IEnumerable<SchemaShape.Column> OutputColumns(SchemaShape input, ArchitectureSearchOptions o)
    {
        SchemaShape.Column feature = InputSchemaChecks.Find(input, o.FeatureColumnName, "feature");
        if (feature.Kind != VectorKind.Vector || feature.IsKey || feature.ItemType != NumberDataViewType.Single)
            throw InputSchemaChecks.Mismatch(o.FeatureColumnName, "feature",
                InputSchemaChecks.ImageExpectation(o.ImageChannels, o.ImageHeight, o.ImageWidth), InputSchemaChecks.Describe(feature));
        SchemaShape.Column label = InputSchemaChecks.Find(input, o.LabelColumnName, "label");
        if (label.Kind != VectorKind.Scalar || !label.IsKey)
            throw InputSchemaChecks.Mismatch(o.LabelColumnName, "label", InputSchemaChecks.LabelExpectation, InputSchemaChecks.Describe(label));

        SchemaShape.Column[] keyValues = InputSchemaChecks.TryFind(label.Annotations, AnnotationNames.KeyValues, out var kv)
            && kv.ItemType is TextDataViewType ? new[] { kv } : Array.Empty<SchemaShape.Column>();
        SchemaShape.Column[] scoreAnnotations = keyValues
            .Select(_ => MLNetInternalsAccess.ShapeColumn(AnnotationNames.SlotNames, VectorKind.Vector, TextDataViewType.Instance, false))
            .Append(MLNetInternalsAccess.ShapeColumn(AnnotationNames.ScoreColumnKind, VectorKind.Scalar, TextDataViewType.Instance, false))
            .Append(MLNetInternalsAccess.ShapeColumn(AnnotationNames.ScoreValueKind, VectorKind.Scalar, TextDataViewType.Instance, false))
            .ToArray();
        yield return MLNetInternalsAccess.ShapeColumn(o.ScoreColumnName, VectorKind.Vector, NumberDataViewType.Single, false, scoreAnnotations);
        yield return MLNetInternalsAccess.ShapeColumn(o.PredictedLabelColumnName, VectorKind.Scalar, NumberDataViewType.UInt32, true, keyValues);
    }

    public override void CheckSchema(DataViewSchema schema, ArchitectureSearchOptions o)
    {
        InputSchemaChecks.CheckImageColumn(schema, o.FeatureColumnName, o.ImageChannels, o.ImageHeight, o.ImageWidth);
        KeyDataViewType labelType = InputSchemaChecks.CheckLabelColumn(schema, o.LabelColumnName);
        if (labelType.Count < 2)
            throw new ArgumentException($"The label column '{o.LabelColumnName}' has {labelType.Count} key value(s); classification needs at least 2 classes.");
        if (labelType.Count > int.MaxValue)
            throw new ArgumentException($"The label column '{o.LabelColumnName}' has {labelType.Count} key values; at most {int.MaxValue} classes are supported.");
    }

    public override TaskRows ReadTrainingRows(IDataView data, ArchitectureSearchOptions o)
    {
        DataViewSchema.Column label = data.Schema[o.LabelColumnName];
        int classCount = (int)((KeyDataViewType)label.Type).Count;
        var model = new ImageModelData(o.ImageChannels, o.ImageHeight, o.ImageWidth, classCount, ReadKeyValues(label, classCount),
            o.ImageTraining.TestTimeFlip);
        var rows = new ImageRows(Read(data, "training data", o, classCount), model);
        ImageRowReader.CheckClassesPresent(rows.Images, o.LabelColumnName);
        return rows;
    }

    public override TaskRows ReadValidationRows(IDataView data, TaskRows training, ArchitectureSearchOptions o)
    {
        var model = (ImageModelData)training.ModelData;
        return new ImageRows(Read(data, "validation data", o, model.ClassCount), model);
    }

    public override ITaskSearch CreateSearch(TaskRows train, TaskRows validation, ArchitectureSearchOptions options, ISearchLog log) =>
        new ImageSearch((ImageRows)train, (ImageRows)validation, options, log);

    public override IArchitecture DecodeSavedArchitecture(string json) => CnnSearchSpace.FromStandaloneJson(json);

    public override nn.Module<Tensor, Tensor> BuildScoringNetwork(IArchitecture architecture, TaskModelData data)
    {
        var cnn = (CnnArchitecture)architecture;
        var model = (ImageModelData)data;
        CnnSearchSpaceOptions s = ((CnnSearchSpace)cnn.Space).Options;
        if (s.InputChannels != model.Channels || s.InputHeight != model.Height || s.InputWidth != model.Width || s.ClassCount != model.ClassCount)
            throw new InvalidDataException(
                $"The saved CNN expects {s.InputChannels}x{s.InputHeight}x{s.InputWidth} images and {s.ClassCount} classes; the model says {model.Channels}x{model.Height}x{model.Width} and {model.ClassCount}.");
        // Placeholder statistics: the saved buffers replace them when the weights load.
        return new NormalizedImageClassifier(new ChildCnn(cnn), new float[s.InputChannels], Enumerable.Repeat(1f, s.InputChannels).ToArray(),
            model.TestTimeFlip);
    }

    public override IOutputHead CreateHead(ColumnNames columns, TaskModelData data, SharedNetwork network) =>
        new ImageClassificationHead(columns, (ImageModelData)data, network);

    public override TaskModelData ReadModelData(BinaryReader reader) => ImageModelData.Read(reader);

    private static Training.Cnn.ImageData Read(IDataView data, string name, ArchitectureSearchOptions o, int classCount) =>
        ImageRowReader.ReadImages(data, name, o.FeatureColumnName, o.LabelColumnName, o.ImageChannels, o.ImageHeight, o.ImageWidth, classCount);

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
}
