using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.ArchitectureSearch.Tests.Onnx;

/// <summary>
/// The fitted CIFAR-10 pipeline (MapValueToKey + ArchitectureSearch, trained on testdata/) exported to ONNX, scored on
/// the 200 test images of testdata/ by ONNX Runtime and by ML.NET's ApplyOnnxModel, against the TorchSharp transformer.
/// </summary>
[Collection(FittedImageModelCollection.Name)]
public sealed class PipelineOnnxExportTests
{
    private readonly FittedImageModelFixture _fixture;

    public PipelineOnnxExportTests(FittedImageModelFixture fixture) => _fixture = fixture;

    // ApplyOnnxModel names the columns of outputs "X.output" (ConvertToOnnx's naming) "X".
    private sealed class OnnxPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
    }

    [Fact]
    public void SaveAsOnnxGivesTheTransformersLabelsAndScoresOnTheTestImages()
    {
        CifarPrediction[] expected = TransformerPredictions();
        using var model = new MemoryStream();
        _fixture.Searched.SaveAsOnnx(model);

        float[] pixels = _fixture.Test.SelectMany(image => image.Image).ToArray();
        (float[][] scores, uint[] keys) = OnnxRuntimeScoring.Score(model.ToArray(), pixels, new long[] { _fixture.Test.Length, 3, 32, 32 });

        Assert.Equal(expected.Select(p => p.PredictedLabel), keys);
        double difference = OnnxRuntimeScoring.LargestDifference(expected.Select(p => p.Score).ToArray(), scores);
        Assert.True(difference < 1e-4, $"largest score difference {difference}");
    }

    [Fact]
    public void ConvertToOnnxOfTheWholePipelineLoadsInOnnxRuntimeAndApplyOnnxModelGivesTheTransformersOutputs()
    {
        string path = Path.Combine(_fixture.Directory, "pipeline.onnx");
        using (FileStream file = File.Create(path))
            _fixture.ML.Model.ConvertToOnnx(_fixture.Model, _fixture.TestView, file);

        using (var session = new InferenceSession(path))
        {
            Assert.Equal(new[] { "Image", "Label" }, session.InputMetadata.Keys.Order());
            Assert.Contains("Score.output", session.OutputNames);
            Assert.Contains("PredictedLabel.output", session.OutputNames);
        }

        var onnx = _fixture.ML.Transforms.ApplyOnnxModel(
            outputColumnNames: new[] { "Score.output", "PredictedLabel.output" }, inputColumnNames: new[] { "Image", "Label" }, modelFile: path);
        OnnxPrediction[] actual = _fixture.ML.Data.CreateEnumerable<OnnxPrediction>(
            onnx.Fit(_fixture.TestView).Transform(_fixture.TestView), reuseRowObject: false).ToArray();
        CifarPrediction[] expected = TransformerPredictions();

        Assert.Equal(expected.Select(p => p.PredictedLabel), actual.Select(p => Assert.Single(p.PredictedLabel)));
        double difference = OnnxRuntimeScoring.LargestDifference(expected.Select(p => p.Score).ToArray(), actual.Select(p => p.Score).ToArray());
        Assert.True(difference < 1e-4, $"largest score difference {difference}");
    }

    [Fact]
    public void ConvertToOnnxAtAnOpsetBelow11IsRefusedNamingTheTransformer()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => _fixture.ML.Model.ConvertToOnnx(_fixture.Model, _fixture.TestView, 10, new MemoryStream()));
        Assert.Contains(nameof(ArchitectureSearchTransformer), e.Message);
        Assert.Contains("11", e.Message);
    }

    private CifarPrediction[] TransformerPredictions() => _fixture.ML.Data.CreateEnumerable<CifarPrediction>(
        _fixture.Model.Transform(_fixture.TestView), reuseRowObject: false).ToArray();
}
