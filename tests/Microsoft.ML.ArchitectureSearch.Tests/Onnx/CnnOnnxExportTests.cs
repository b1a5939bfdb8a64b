using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Onnx;

/// <summary>
/// Networks built directly (every operator the CNN spaces produce, with random batch-norm statistics and input
/// normalisation so each part matters) exported to ONNX and scored by ONNX Runtime against TorchSharp's forward.
/// </summary>
public sealed class CnnOnnxExportTests
{
    private static readonly ColumnNames Columns = new("Image", "Score", "PredictedLabel", "Perplexity", "PredictedNextWord");

    // Odd, non-square input; every filter size (and asymmetric ones), strides 1-3, max and average 2x2 pooling in ceil
    // mode on odd maps, skip connections joined by zero padding, ReLU, global average pooling.
    private static readonly CnnSearchSpaceOptions PaddedSpace = new()
    {
        LayerCount = 6, InputHeight = 11, InputWidth = 9, FilterCounts = new[] { 4, 6 }, ClassCount = 5,
        SearchStrides = true, SearchPooling = true, SkipResize = CnnSkipResize.PadToLargest,
    };

    private static readonly CnnLayer[] PaddedLayers =
    {
        new(1, 1, 4, 1, CnnPooling.None, Array.Empty<int>()),
        new(3, 3, 6, 2, CnnPooling.Max2x2, new[] { 0 }),
        new(5, 5, 4, 1, CnnPooling.Avg2x2, new[] { 0, 1 }),
        new(7, 7, 6, 3, CnnPooling.None, new[] { 1, 2 }),
        new(7, 1, 4, 1, CnnPooling.Max2x2, new[] { 0, 3 }),
        new(1, 7, 6, 1, CnnPooling.None, Array.Empty<int>()),
    };

    // The airbench-like parts: patch-whitening stem, GELU, fixed reductions before batch norm, skip inputs max-pooled
    // to the smallest (adaptively: 7 -> 4 is not a whole kernel at 15 x 15 input), global max pooling, a logit scale.
    private static CnnSearchSpaceOptions PooledSpace(int size) => new()
    {
        LayerCount = 5, InputHeight = size, InputWidth = size, FilterCounts = new[] { 4, 8 }, ClassCount = 4,
        ReductionAfterLayers = new[] { 0, 2 }, SkipResize = CnnSkipResize.PoolToSmallest, Stem = CnnStem.PatchWhitening,
        Activation = CnnActivation.GELU, GlobalPooling = CnnGlobalPooling.Max, LogitScale = 0.4,
    };

    private static readonly CnnLayer[] PooledLayers =
    {
        new(3, 3, 8),
        new(5, 5, 4, 0),
        new(1, 1, 8),
        new(3, 3, 4, 1, 2),
        new(7, 7, 8, 0, 3),
    };

    // ENAS's operations on an odd, non-square input: separable convolutions (depthwise Conv with group = channels, strided
    // and asymmetric), 3x3 max and average pooling with one pixel of padding (the average not counting it), before and
    // after a fixed reduction, followed by searched 2x2 pooling, and read by skips.
    private static readonly CnnSearchSpaceOptions OperationsSpace = new()
    {
        LayerCount = 6, InputHeight = 11, InputWidth = 9, FilterCounts = new[] { 4, 6 }, ClassCount = 5, SearchStrides = true, SearchPooling = true,
        ReductionAfterLayers = new[] { 2 },
        Operations = new[] { CnnOperation.Convolution, CnnOperation.SeparableConvolution, CnnOperation.MaxPool3x3, CnnOperation.AvgPool3x3 },
    };

    private static readonly CnnLayer[] OperationsLayers =
    {
        new(3, 5, 4, 1, CnnPooling.None, Array.Empty<int>()) { Operation = CnnOperation.SeparableConvolution },
        new(3, 3, 6, 1, CnnPooling.None, new[] { 0 }) { Operation = CnnOperation.AvgPool3x3 },
        new(3, 3, 4, 2, CnnPooling.Max2x2, new[] { 0, 1 }) { Operation = CnnOperation.MaxPool3x3 },
        new(5, 5, 6, 2, CnnPooling.None, new[] { 1, 2 }) { Operation = CnnOperation.SeparableConvolution },
        new(3, 3, 4, 1, CnnPooling.Avg2x2, new[] { 2 }) { Operation = CnnOperation.AvgPool3x3 },
        new(3, 3, 6, 1, CnnPooling.None, new[] { 0, 3, 4 }),
    };

    [Fact]
    public void SeparableConvolutionsAndThreeByThreePoolingOperationsExportAndOnnxRuntimeAgreesWithTorchSharp() =>
        AssertOnnxRuntimeAgrees(new CnnArchitecture(new CnnSearchSpace(OperationsSpace), OperationsLayers), testTimeFlip: false, seed: 4);

    [Fact]
    public void EveryOperatorOfAPaddedSkipNetworkExportsAndOnnxRuntimeAgreesWithTorchSharp() =>
        AssertOnnxRuntimeAgrees(new CnnArchitecture(new CnnSearchSpace(PaddedSpace), PaddedLayers), testTimeFlip: false, seed: 1);

    [Fact]
    public void StemGeluReductionsAdaptivePoolingMaxPoolingLogitScaleAndFlipExportAndAgree() =>
        AssertOnnxRuntimeAgrees(new CnnArchitecture(new CnnSearchSpace(PooledSpace(15)), PooledLayers), testTimeFlip: true, seed: 2);

    [Fact]
    public void SkipInputsPooledByWholeKernelsExportAndAgree() =>
        AssertOnnxRuntimeAgrees(new CnnArchitecture(new CnnSearchSpace(PooledSpace(17)), PooledLayers), testTimeFlip: false, seed: 3);

    [Fact]
    public void ANetworkWithoutAnOnnxFormIsRefusedNamingIt()
    {
        var head = new ImageClassificationHead(Columns, new ImageModelData(3, 4, 4, 2, null, false),
            new SharedNetwork(nn.Sequential(("flatten", nn.Flatten()), ("linear", nn.Linear(48, 2))), CPU));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.Save(head, new MemoryStream()));
        Assert.Contains("Sequential", e.Message);
        Assert.Contains("no ONNX export", e.Message);
    }

    private static void AssertOnnxRuntimeAgrees(CnnArchitecture architecture, bool testTimeFlip, int seed)
    {
        CnnSearchSpaceOptions space = architecture.Space.Options;
        var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var network = new ChildCnn(architecture, generator);
        using (no_grad())
        {
            if (network.HasWhiteningStem)
                network.SetWhiteningFilters(randn(new long[] { space.PatchWhiteningChannels, space.InputChannels, 2, 2 }, generator: generator));
            // Batch norm with its fresh statistics would be nearly the identity: give every part values that matter.
            foreach (var (name, buffer) in network.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal))
                    buffer.copy_(randn(buffer.shape, generator: generator) * 0.2);
                else if (name.EndsWith("running_var", StringComparison.Ordinal))
                    buffer.copy_(rand(buffer.shape, generator: generator) + 0.5);
            }
            foreach (var (name, parameter) in network.named_parameters())
                if (name.Contains(".norm.", StringComparison.Ordinal))
                    parameter.copy_(randn(parameter.shape, generator: generator) * 0.5 + (name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0));
        }

        var classifier = new NormalizedImageClassifier(network, new[] { 0.5f, 0.4f, 0.3f }, new[] { 0.25f, 0.2f, 0.3f }, testTimeFlip);
        var shared = new SharedNetwork(classifier, CPU);
        var head = new ImageClassificationHead(Columns, new ImageModelData(3, space.InputHeight, space.InputWidth, space.ClassCount, null, testTimeFlip), shared);
        using var model = new MemoryStream();
        OnnxExport.Save(head, model);

        const int count = 6;
        long[] shape = { count, 3, space.InputHeight, space.InputWidth };
        float[] pixels = rand(shape, generator: generator).data<float>().ToArray();
        float[][] expected = new float[count][];
        shared.Forward(device => tensor(pixels, shape, device: device), logits =>
        {
            float[] probabilities = logits.softmax(1).data<float>().ToArray();
            for (int n = 0; n < count; n++)
                expected[n] = probabilities.AsSpan(n * space.ClassCount, space.ClassCount).ToArray();
        });

        (float[][] scores, uint[] keys) = OnnxRuntimeScoring.Score(model.ToArray(), pixels, shape);
        double difference = OnnxRuntimeScoring.LargestDifference(expected, scores);
        Assert.True(difference < 1e-4, $"largest score difference {difference}");
        uint[] expectedKeys = expected.Select(p => (uint)Array.IndexOf(p, p.Max()) + 1).ToArray();
        Assert.Equal(expectedKeys, keys);
        // Not a degenerate network: the scores vary between images.
        Assert.True(OnnxRuntimeScoring.LargestDifference(expected.Take(1).ToArray(), expected.Skip(1).Take(1).ToArray()) > 1e-3);
    }
}
