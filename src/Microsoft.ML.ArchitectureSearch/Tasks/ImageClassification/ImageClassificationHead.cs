using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// Image classification outputs: Score, a vector of class probabilities whose size is the class count, and
/// PredictedLabel, a key of the label's count carrying the label's key values, so MapKeyToValue and the multiclass
/// evaluator work. Annotated like ML.NET's multiclass scorers (ScoreColumnKind, ScoreValueKind, SlotNames).
/// </summary>
internal sealed class ImageClassificationHead : IOutputHead
{
    private readonly ColumnNames _columns;
    private readonly ImageModelData _model;
    private readonly SharedNetwork _shared;

    public ImageClassificationHead(ColumnNames columns, ImageModelData model, SharedNetwork shared)
    {
        _columns = columns;
        _model = model;
        _shared = shared;
        Outputs = new[]
        {
            new OutputColumn(columns.Score, new VectorDataViewType(NumberDataViewType.Single, model.ClassCount), ScoreAnnotations(model)),
            new OutputColumn(columns.PredictedLabel, new KeyDataViewType(typeof(uint), model.ClassCount), KeyAnnotations(model)),
        };
    }

    public string InputColumnName => _columns.Feature;

    public IReadOnlyList<OutputColumn> Outputs { get; }

    public void CheckInput(DataViewSchema inputSchema) => InputSchemaChecks.CheckImageColumn(
        inputSchema, _columns.Feature, _model.Channels, _model.Height, _model.Width);

    public RowScorer CreateScorer(DataViewRow input) => new Scorer(this, input);

    public DataViewType OnnxInputType => new VectorDataViewType(NumberDataViewType.Single, _model.Channels, _model.Height, _model.Width);

    public void SaveAsOnnx(Stream stream) => OnnxExport.Save(this, stream);

    // As the scorer: softmax of the logits, then the 1-based key of the first largest probability, as uint32 [N, 1].
    public IReadOnlyList<string> ExportOnnx(OnnxGraphBuilder onnx, string input)
    {
        string images = onnx.Reshape(input, new long[] { -1, _model.Channels, _model.Height, _model.Width }, "images");
        string probabilities = onnx.Softmax(_shared.ExportOnnx(onnx, images), "probabilities");
        string index = onnx.ArgMax(probabilities, "best");
        string key = onnx.Binary("Add", index, onnx.Int64s(new[] { 1L }, "key_base"), "best_key");
        return new[] { probabilities, onnx.CastToUInt32(key, "predicted_key") };
    }

    private static DataViewSchema.Annotations ScoreAnnotations(ImageModelData model)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (model.ClassNames != null)
            AddNames(builder, AnnotationNames.SlotNames, model.ClassNames);
        AddText(builder, AnnotationNames.ScoreColumnKind, "MulticlassClassification");
        AddText(builder, AnnotationNames.ScoreValueKind, "Score");
        return builder.ToAnnotations();
    }

    private static DataViewSchema.Annotations KeyAnnotations(ImageModelData model)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (model.ClassNames != null)
            AddNames(builder, AnnotationNames.KeyValues, model.ClassNames);
        return builder.ToAnnotations();
    }

    private static void AddText(DataViewSchema.Annotations.Builder builder, string kind, string value) =>
        builder.Add(kind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> dst) => dst = value.AsMemory());

    private static void AddNames(DataViewSchema.Annotations.Builder builder, string kind, IReadOnlyList<string> names)
    {
        ReadOnlyMemory<char>[] values = names.Select(n => n.AsMemory()).ToArray();
        builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, values.Length),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => dst = new VBuffer<ReadOnlyMemory<char>>(values.Length, (ReadOnlyMemory<char>[])values.Clone()));
    }

    private sealed class Scorer : RowScorer
    {
        private readonly ImageClassificationHead _head;
        private readonly ValueGetter<VBuffer<float>> _features;
        private VBuffer<float> _featureBuffer;
        private readonly float[] _pixels;
        private readonly float[] _probabilities;
        private uint _predictedKey;

        public Scorer(ImageClassificationHead head, DataViewRow input) : base(input)
        {
            _head = head;
            _features = input.GetGetter<VBuffer<float>>(input.Schema[head._columns.Feature]);
            _pixels = new float[head._model.ImageSize];
            _probabilities = new float[head._model.ClassCount];
        }

        public override Delegate GetGetter(int outputIndex) => outputIndex switch
        {
            0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                EnsureComputed();
                var editor = VBufferEditor.Create(ref dst, _probabilities.Length);
                _probabilities.CopyTo(editor.Values);
                dst = editor.Commit();
            }),
            1 => (ValueGetter<uint>)((ref uint dst) =>
            {
                EnsureComputed();
                dst = _predictedKey;
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };

        protected override void Compute()
        {
            _features(ref _featureBuffer);
            _featureBuffer.CopyTo(_pixels);
            for (int i = 0; i < _pixels.Length; i++)
            {
                if (!float.IsFinite(_pixels[i]))
                    throw new InvalidOperationException(
                        $"Row {Input.Position} of the feature column '{_head._columns.Feature}' holds {_pixels[i]} at index {i}; image values must be finite numbers.");
            }
            ImageModelData m = _head._model;
            _head._shared.Forward(
                device => tensor(_pixels, new long[] { 1, m.Channels, m.Height, m.Width }, device: device),
                logits => logits.softmax(1).data<float>().CopyTo(_probabilities, 0));
            int best = 0;
            for (int c = 1; c < _probabilities.Length; c++)
            {
                if (_probabilities[c] > _probabilities[best])
                    best = c;
            }
            _predictedKey = (uint)best + 1; // key values are 1-based; 0 means missing
        }
    }
}
