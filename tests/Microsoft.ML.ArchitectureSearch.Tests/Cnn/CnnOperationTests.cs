using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>ENAS's macro-space operations: separable convolutions and 3x3 max and average pooling as a layer's operation.</summary>
public class CnnOperationTests
{
    private static readonly CnnOperation[] All =
        { CnnOperation.Convolution, CnnOperation.SeparableConvolution, CnnOperation.MaxPool3x3, CnnOperation.AvgPool3x3 };

    private static CnnSearchSpace Space(int layers = 4, IReadOnlyList<CnnOperation>? operations = null) => new(new CnnSearchSpaceOptions
    {
        LayerCount = layers, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 8, 16 },
        Operations = operations ?? All, InputHeight = 8, InputWidth = 8,
    });

    private static CnnLayer Layer(CnnOperation operation, int height, int width, int filters, params int[] inputs) =>
        new(height, width, filters, inputs) { Operation = operation };

    private static CnnArchitecture EveryOperation(CnnSearchSpace space) => new(space, new[]
    {
        Layer(CnnOperation.SeparableConvolution, 3, 3, 8),
        Layer(CnnOperation.MaxPool3x3, 3, 3, 16, 0),
        Layer(CnnOperation.AvgPool3x3, 3, 3, 8, 0, 1),
        Layer(CnnOperation.Convolution, 5, 5, 16, 2),
    });

    [Fact]
    public void ASmallNetworkWithEveryOperationCountsByHandAndTheBuiltNetworkAgrees()
    {
        CnnArchitecture a = EveryOperation(Space());
        // Layer 0, separable 3x3 on the image: depthwise 3*3*3 = 27, pointwise 3*8 = 24, BatchNorm 16.   -> 67
        // Layer 1, max pool on layer 0 (8 channels): its 1x1 conv 8*16 = 128, BatchNorm 32.             -> 160
        // Layer 2, avg pool on layers 0 and 1 (24 channels): 1x1 conv 24*8 = 192, BatchNorm 16.          -> 208
        // Layer 3, 5x5 conv on layer 2: 5*5*8*16 = 3,200, BatchNorm 32.                                  -> 3,232
        // Only layer 3 is a leaf: classifier 16*10 + 10 = 170.
        Assert.Equal(67 + 160 + 208 + 3232 + 170, a.ParameterCount);
        // Multiply-adds at 8x8: every convolution weight once per output pixel; pooling counts zero.
        Assert.Equal(64L * (27 + 24) + 64L * 128 + 64L * 192 + 64L * 3200 + 160, a.MultiplyAdds);
        Assert.Equal(new CnnLayerShape(24, 8, 8, 8, 8, 8, 8, 8), a.Layout.Layers[2]);
        Assert.StartsWith("4 layers: sep 3x3x8, max_pool3x3 x16 [from 0], avg_pool3x3 x8 [from 0,1], 5x5x16 [from 2];", a.Describe());
        Assert.Equal(new[] { "0: sep conv 3x3, 8", "1: max pool 3x3, 16", "2: avg pool 3x3, 8", "3: conv 5x5, 16" },
            a.ToGraph().Nodes.Where(n => n.Id.StartsWith('L')).Select(n => n.Label));
        using var scope = NewDisposeScope();
        CnnNetworkTests.AssertBuiltNetworkMatchesLayout(a, randn(2, 3, 8, 8));
    }

    [Fact]
    public void RandomMembersOfAnOperationsSpaceWithStridesPoolingAndReductionsMatchTheirBuiltNetworks()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 5, SearchStrides = true, SearchPooling = true, InputHeight = 9, InputWidth = 7, FilterCounts = new[] { 2, 3, 5 },
            FilterHeights = new[] { 1, 3, 5 }, FilterWidths = new[] { 3, 5 }, Operations = All, ReductionAfterLayers = new[] { 2 },
        });
        CnnNetworkTests.AssertRandomMembersMatchBuiltNetworks(space, seed: 5);
    }

    [Fact]
    public void TheSeparableConvolutionIsADepthwiseConvolutionPerChannelThenAPointwiseOne()
    {
        var space = Space(layers: 1);
        var a = new CnnArchitecture(space, new[] { Layer(CnnOperation.SeparableConvolution, 3, 5, 8) });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        network.eval();
        using var noGrad = no_grad();
        Tensor images = randn(2, 3, 8, 8);
        var p = network.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Tensor depthwise = p["layers.0.depthwise.weight"], pointwise = p["layers.0.conv.weight"];
        Assert.Equal(new long[] { 3, 1, 3, 5 }, depthwise.shape);
        Assert.Equal(new long[] { 8, 3, 1, 1 }, pointwise.shape);
        // Each input channel convolved with its own filter alone ("same" padding 1 x 2), then mixed by the 1x1 weights.
        Tensor spatial = cat(Enumerable.Range(0, 3).Select(c =>
            nn.functional.conv2d(images.narrow(1, c, 1), depthwise.narrow(0, c, 1), null, new long[] { 1, 1 }, new long[] { 1, 2 })).ToArray(), 1);
        Tensor mixed = einsum("nchw,fc->nfhw", spatial, pointwise.flatten(1));
        var b = network.named_buffers().ToDictionary(x => x.name, x => x.buffer);
        Tensor expected = ((mixed - b["layers.0.norm.running_mean"].view(1, -1, 1, 1)) / (b["layers.0.norm.running_var"].view(1, -1, 1, 1) + 1e-5).sqrt()
            * p["layers.0.norm.weight"].view(1, -1, 1, 1) + p["layers.0.norm.bias"].view(1, -1, 1, 1)).relu();
        Assert.True(allclose(expected, network.LayerOutputs(images)[0], rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void ThePoolingOperationsPoolTheirOneByOneConvolutionsMapInAThreeByThreeWindowAveragingOnlyPixelsInsideTheMap()
    {
        var space = Space(layers: 2);
        var a = new CnnArchitecture(space, new[] { Layer(CnnOperation.MaxPool3x3, 3, 3, 8), Layer(CnnOperation.AvgPool3x3, 3, 3, 8) });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        network.eval();
        using var noGrad = no_grad();
        Tensor images = randn(2, 3, 8, 8);
        Tensor[] outputs = network.LayerOutputs(images);
        for (int i = 0; i < 2; i++)
        {
            Tensor y = BeforeWindow(network, i, images);
            Assert.Equal(new long[] { 2, 8, 8, 8 }, outputs[i].shape);
            // The corner's window holds 2x2 pixels of the map (the padding is not counted); an inner pixel's holds 3x3.
            Tensor corner = y.narrow(2, 0, 2).narrow(3, 0, 2), inner = y.narrow(2, 3, 3).narrow(3, 1, 3);
            long[] spatial = { 2, 3 };
            Tensor expectedCorner = i == 0 ? corner.amax(spatial) : corner.mean(spatial);
            Tensor expectedInner = i == 0 ? inner.amax(spatial) : inner.mean(spatial);
            Assert.True(allclose(expectedCorner, outputs[i].select(2, 0).select(2, 0), rtol: 1e-5, atol: 1e-6), $"layer {i} corner");
            Assert.True(allclose(expectedInner, outputs[i].select(2, 4).select(2, 2), rtol: 1e-5, atol: 1e-6), $"layer {i} inner");
        }
    }

    /// <summary>relu(batch norm(1x1 conv)) of layer <paramref name="i"/>, recomputed from its parameters (eval mode).</summary>
    private static Tensor BeforeWindow(ChildCnn network, int i, Tensor images)
    {
        var p = network.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var b = network.named_buffers().ToDictionary(x => x.name, x => x.buffer);
        Tensor conv = einsum("nchw,fc->nfhw", images, p[$"layers.{i}.conv.weight"].flatten(1));
        return ((conv - b[$"layers.{i}.norm.running_mean"].view(1, -1, 1, 1)) / (b[$"layers.{i}.norm.running_var"].view(1, -1, 1, 1) + 1e-5).sqrt()
            * p[$"layers.{i}.norm.weight"].view(1, -1, 1, 1) + p[$"layers.{i}.norm.bias"].view(1, -1, 1, 1)).relu();
    }

    [Fact]
    public void TheOperationIsADecisionAfterTheFilterCountAndPoolingLayersIgnoreTheirKernelTokens()
    {
        CnnSearchSpace space = Space(layers: 2);
        DecisionStep step = space.Steps[space.FirstStepOfLayer(1) + 3];
        Assert.Equal("layer1.operation", step.Name);
        Assert.Equal(new[] { "conv", "sep_conv", "max_pool3x3", "avg_pool3x3" }, step.Choices);
        // Layer 0: 5x3, 16 filters, max pool; layer 1: 5x5, 8 filters, separable, reading layer 0.
        CnnArchitecture pooled = space.Decode(new[] { 1, 0, 1, 2, /* layer 1 */ 1, 1, 0, 1, 1 });
        Assert.Equal(Layer(CnnOperation.MaxPool3x3, 3, 3, 16), pooled.Layers[0]);
        Assert.Equal(Layer(CnnOperation.SeparableConvolution, 5, 5, 8, 0), pooled.Layers[1]);
        Assert.Equal(new[] { 0, 0, 1, 2, 1, 1, 0, 1, 1 }, pooled.Tokens);
        // The same network with other (ignored) kernel tokens is the same architecture.
        CnnArchitecture same = space.Decode(new[] { 0, 1, 1, 2, 1, 1, 0, 1, 1 });
        Assert.Equal(pooled.Hash, same.Hash);
    }

    [Fact]
    public void AConvolutionOnlySpaceHasNoOperationStepAndKeepsItsFingerprintAndDocuments()
    {
        var plain = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        Assert.DoesNotContain(plain.Steps, s => s.Name.EndsWith(".operation", StringComparison.Ordinal));
        Assert.DoesNotContain("operation", plain.Fingerprint, StringComparison.Ordinal);
        string json = new CnnArchitecture(plain, new[] { new CnnLayer(3, 3, 24), new CnnLayer(5, 5, 36, 0) }).ToJson();
        Assert.DoesNotContain("operation", json, StringComparison.Ordinal);
        // Offering the operations is another space.
        Assert.NotEqual(plain.Fingerprint, new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, Operations = All }).Fingerprint);
        Assert.NotEqual(plain.Fingerprint, new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, Operations = new[] { CnnOperation.SeparableConvolution } }).Fingerprint);
    }

    [Fact]
    public void EveryOperationRoundTripsThroughJsonIntoItsSpaceAndStandAlone()
    {
        CnnArchitecture a = EveryOperation(Space());
        string json = a.ToJson();
        Assert.Contains("\"operation\":\"sep_conv\"", json, StringComparison.Ordinal);
        Assert.Contains("\"operation\":\"max_pool3x3\"", json, StringComparison.Ordinal);
        Assert.Contains("\"operation\":\"avg_pool3x3\"", json, StringComparison.Ordinal);
        Assert.Contains("\"operations\":[\"Convolution\",\"SeparableConvolution\",\"MaxPool3x3\",\"AvgPool3x3\"]", json, StringComparison.Ordinal);
        foreach (CnnArchitecture back in new[] { a.Space.FromJson(json), CnnSearchSpace.FromStandaloneJson(json) })
        {
            Assert.Equal(a.Layers, back.Layers);
            Assert.Equal(a.Hash, back.Hash);
        }
    }

    [Fact]
    public void BadOperationOptionsAreClearErrors()
    {
        Assert.Contains("Operations must list at least one operation",
            Assert.Throws<ArgumentException>(() => Space(operations: Array.Empty<CnnOperation>())).Message);
        Assert.Contains("Operations lists an operation twice",
            Assert.Throws<ArgumentException>(() => Space(operations: new[] { CnnOperation.MaxPool3x3, CnnOperation.MaxPool3x3 })).Message);
        Assert.Contains("Operations holds an unknown operation",
            Assert.Throws<ArgumentException>(() => Space(operations: new[] { (CnnOperation)7 })).Message);
    }

    [Fact]
    public void LayersOutsideTheSpacesOperationsOrWithAPoolingKernelOtherThanThreeByThreeAreClearErrors()
    {
        var convAndMax = Space(layers: 1, operations: new[] { CnnOperation.Convolution, CnnOperation.MaxPool3x3 });
        var e = Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(convAndMax, new[] { Layer(CnnOperation.SeparableConvolution, 3, 3, 8) }));
        Assert.Equal("Step 'layer0.operation': sep_conv is not one of the choices conv, max_pool3x3.", e.Message);

        var separableOnly = Space(layers: 1, operations: new[] { CnnOperation.SeparableConvolution });
        e = Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(separableOnly, new[] { new CnnLayer(3, 3, 8) }));
        Assert.Equal("Layer 0: operation conv is not in this space, whose layers all use sep_conv.", e.Message);

        e = Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(convAndMax, new[] { Layer(CnnOperation.MaxPool3x3, 5, 3, 8) }));
        Assert.Equal("Layer 0: max_pool3x3 has a fixed 3x3 window; its filter height and width must be 3, got 5x3.", e.Message);

        string json = new CnnArchitecture(convAndMax, new[] { Layer(CnnOperation.MaxPool3x3, 3, 3, 8) }).ToJson().Replace("max_pool3x3", "min_pool", StringComparison.Ordinal);
        e = Assert.Throws<ArchitectureValidationException>(() => convAndMax.FromJson(json));
        Assert.Contains("Layer 0: unknown operation 'min_pool'", e.Message);
    }

    [Fact]
    public void TheMemoryEstimateKeepsTheDepthwiseOutputAndThePoolingWindowsOutput()
    {
        CnnSearchSpace space = Space(layers: 1);
        var options = new CnnTrainingOptions { BatchSize = 10 };
        TrainingMemoryEstimate Of(CnnLayer layer) => CnnMemoryEstimate.For(new CnnArchitecture(space, new[] { layer }), options);
        TrainingMemoryEstimate conv = Of(new CnnLayer(3, 3, 16));
        // A separable layer keeps its depthwise output beside what a convolution keeps: 3 channels at 8x8, per image.
        Assert.Equal(conv.Activations + 10 * 4 * (3 * 64), Of(Layer(CnnOperation.SeparableConvolution, 3, 3, 16)).Activations);
        // A pooling layer keeps its window's output: 16 channels at 8x8.
        Assert.Equal(conv.Activations + 10 * 4 * (16 * 64), Of(Layer(CnnOperation.MaxPool3x3, 3, 3, 16)).Activations);
        Assert.Equal(conv.Activations + 10 * 4 * (16 * 64), Of(Layer(CnnOperation.AvgPool3x3, 3, 3, 16)).Activations);
    }
}
