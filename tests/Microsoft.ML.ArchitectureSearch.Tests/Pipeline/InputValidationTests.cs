using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>Every bad input is refused before training, with a message naming the column (or the problem).</summary>
public sealed class InputValidationTests
{
    private readonly MLContext _ml = new(seed: 3);

    private sealed class DoubleImage
    {
        [VectorType(CifarImage.Size)] public double[] Image { get; set; } = new double[CifarImage.Size];
        public string Label { get; set; } = "cat";
    }

    private sealed class StringImage
    {
        public string Image { get; set; } = "";
        public string Label { get; set; } = "cat";
    }

    private sealed class SmallImage
    {
        [VectorType(100)] public float[] Image { get; set; } = new float[100];
        public string Label { get; set; } = "cat";
    }

    private sealed class VariableImage
    {
        public float[] Image { get; set; } = new float[CifarImage.Size];
        public string Label { get; set; } = "cat";
    }

    private sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    private sealed class NumericText
    {
        [VectorType(4)] public float[] Text { get; set; } = new float[4];
    }

    // ML.NET builds a SchemaShape from a schema only internally (EstimatorChain.Fit calls GetOutputSchema with one);
    // the test calls that same internal factory to exercise GetOutputSchema directly.
    private static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public,
            new[] { typeof(DataViewSchema) })!.Invoke(null, new object[] { schema })!;

    private static ArchitectureSearchOptions ImageOptions() => FittedImageModelFixture.ImageOptions();

    private static ArchitectureSearchOptions TextOptions() => new()
    {
        Task = ArchitectureSearchTask.LanguageModeling, FeatureColumnName = "Text", RecurrentCellSpace = new() { Leaves = 4, EmbeddingSize = 32, HiddenSize = 32, Layers = 1 }, MaxTrials = 2, FinalEpochs = 1, Device = "cpu",
    };

    private IDataView Keyed<T>(IEnumerable<T> rows) where T : class => PipelineTestData.Keyed(_ml, rows);

    private ArgumentOutOfRangeException SchemaError(IDataView data, ArchitectureSearchOptions options) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(options).GetOutputSchema(ShapeOf(data.Schema)));

    [Fact]
    public void MissingFeatureColumnIsNamed()
    {
        var options = ImageOptions();
        options.FeatureColumnName = "Pixels";
        var error = SchemaError(Keyed(new[] { new TextLabelImage() }), options);
        Assert.Contains("'Pixels'", error.Message);
        Assert.Contains("no column", error.Message);
    }

    [Fact]
    public void TextFeatureColumnIsRefused()
    {
        var error = SchemaError(Keyed(new[] { new StringImage() }), ImageOptions());
        Assert.Contains("feature column 'Image'", error.Message);
        Assert.Contains("vector of Single", error.Message);
    }

    [Fact]
    public void DoubleVectorFeatureColumnIsRefused()
    {
        var error = SchemaError(Keyed(new[] { new DoubleImage() }), ImageOptions());
        Assert.Contains("feature column 'Image'", error.Message);
        Assert.Contains("Double", error.Message);
    }

    [Fact]
    public void VariableSizeVectorIsRefused()
    {
        var error = SchemaError(Keyed(new[] { new VariableImage() }), ImageOptions());
        Assert.Contains("feature column 'Image'", error.Message);
        Assert.Contains("variable-size", error.Message);
    }

    [Fact]
    public void VectorSizeNotMatchingTheImageShapeIsRefusedAtFitAndByTheTransformer()
    {
        IDataView data = Keyed(new[] { new SmallImage(), new SmallImage { Label = "dog" } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(data));
        Assert.Contains("feature column 'Image'", error.Message);
        Assert.Contains("3 x 32 x 32 = 3072", error.Message);
        Assert.Contains("Vector<Single, 100>", error.Message);
    }

    [Fact]
    public void MissingLabelColumnIsNamed()
    {
        var options = ImageOptions();
        options.LabelColumnName = "Class";
        var error = SchemaError(Keyed(new[] { new TextLabelImage() }), options);
        Assert.Contains("'Class'", error.Message);
    }

    [Fact]
    public void LabelThatIsNotAKeyIsRefusedWithAHint()
    {
        IDataView data = _ml.Data.LoadFromEnumerable(new[] { new TextLabelImage() });
        var error = SchemaError(data, ImageOptions());
        Assert.Contains("label column 'Label'", error.Message);
        Assert.Contains("MapValueToKey", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(data));
    }

    [Fact]
    public void LanguageModelTextColumnMustExistAndBeText()
    {
        var missing = SchemaError(_ml.Data.LoadFromEnumerable(new[] { new Sentence() }), new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling, FeatureColumnName = "Words",
        });
        Assert.Contains("'Words'", missing.Message);
        var wrongType = SchemaError(_ml.Data.LoadFromEnumerable(new[] { new NumericText() }), TextOptions());
        Assert.Contains("text column 'Text'", wrongType.Message);
        Assert.Contains("String", wrongType.Message);
    }

    [Fact]
    public void GoodSchemasGiveTheOutputColumns()
    {
        SchemaShape image = _ml.Transforms.ArchitectureSearch(ImageOptions())
            .GetOutputSchema(ShapeOf(Keyed(new[] { new TextLabelImage() }).Schema));
        var score = image.Single(c => c.Name == "Score");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.Equal(NumberDataViewType.Single, score.ItemType);
        var predicted = image.Single(c => c.Name == "PredictedLabel");
        Assert.True(predicted.IsKey);
        Assert.Contains(predicted.Annotations, c => c.Name == "KeyValues");

        SchemaShape text = _ml.Transforms.ArchitectureSearch(TextOptions())
            .GetOutputSchema(ShapeOf(_ml.Data.LoadFromEnumerable(new[] { new Sentence() }).Schema));
        var perplexity = text.Single(c => c.Name == "Perplexity");
        Assert.Equal(NumberDataViewType.Single, perplexity.ItemType);
        var next = text.Single(c => c.Name == "PredictedNextWord");
        Assert.Equal(TextDataViewType.Instance, next.ItemType);
    }

    [Fact]
    public void EmptyTrainingDataIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(
                _ml.Data.SkipRows(Keyed(new[] { new TextLabelImage(), new TextLabelImage { Label = "dog" } }), 2)));
        Assert.Contains("training data is empty", error.Message);
    }

    [Fact]
    public void NaNFeatureIsRefusedNamingRowAndColumn()
    {
        var bad = new TextLabelImage { Label = "dog" };
        bad.Image[17] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() =>
            _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(Keyed(new[] { new TextLabelImage(), bad })));
        Assert.Contains("Row 1", error.Message);
        Assert.Contains("feature column 'Image'", error.Message);
        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public void FewerThanTwoClassesIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(Keyed(new[] { new TextLabelImage(), new TextLabelImage() })));
        Assert.Contains("label column 'Label'", error.Message);
        Assert.Contains("at least 2", error.Message);
    }

    [Fact]
    public void OnlyOneClassPresentAmongSeveralKeysIsRefused()
    {
        IDataView keyed = Keyed(new[] { new TextLabelImage(), new TextLabelImage { Label = "dog" } });
        IDataView onlyCats = _ml.Data.TakeRows(keyed, 1);
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(onlyCats));
        Assert.Contains("1 distinct class", error.Message);
    }

    [Fact]
    public void TextColumnWithoutWordsIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.ArchitectureSearch(TextOptions())
            .Fit(_ml.Data.LoadFromEnumerable(new[] { new Sentence { Text = "" }, new Sentence { Text = "   " } })));
        Assert.Contains("text column 'Text' is empty", error.Message);
    }

    [Fact]
    public void ValidationDataWithAnotherSchemaIsRefused()
    {
        IDataView train = Keyed(new[] { new TextLabelImage(), new TextLabelImage { Label = "dog" } });
        IDataView validation = Keyed(new[] { new SmallImage() });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(ImageOptions()).Fit(train, validation));
        Assert.Contains("feature column 'Image'", error.Message);
    }

    [Theory]
    [InlineData(nameof(ArchitectureSearchOptions.ValidationFraction))]
    [InlineData(nameof(ArchitectureSearchOptions.FinalEpochs))]
    [InlineData(nameof(ArchitectureSearchOptions.ImageChannels))]
    [InlineData(nameof(ArchitectureSearchOptions.MaxTrials))]
    public void InvalidOptionsAreRefusedNamingTheOption(string option)
    {
        var options = ImageOptions();
        switch (option)
        {
            case nameof(ArchitectureSearchOptions.ValidationFraction): options.ValidationFraction = 1; break;
            case nameof(ArchitectureSearchOptions.FinalEpochs): options.FinalEpochs = 0; break;
            case nameof(ArchitectureSearchOptions.ImageChannels): options.ImageChannels = -3; break;
            case nameof(ArchitectureSearchOptions.MaxTrials): options.MaxTrials = 0; break;
        }
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ArchitectureSearch(options));
        Assert.Contains(option, error.Message);
    }
}
