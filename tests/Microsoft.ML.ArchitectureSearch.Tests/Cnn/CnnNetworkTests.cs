using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public class CnnNetworkTests
{
    [Fact]
    public void TwoLayerChainCountsByHand()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(5, 5, 36, 0) });
        // Layer 0: 3x3 conv, 3 -> 24 channels, no bias: 3*3*3*24 = 648 weights, BatchNorm 2*24 = 48.      -> 696
        // Layer 1: 5x5 conv, 24 -> 36: 5*5*24*36 = 21,600 weights, BatchNorm 72.                          -> 21,672
        // Only layer 1 is a leaf: classifier 36*10 + 10 = 370.                                            -> 22,738
        Assert.Equal(696 + 21672 + 370, a.ParameterCount);
        // Multiply-adds at 32x32 ("same" padding, stride 1): 1024*648 + 1024*21,600 + 36*10.
        Assert.Equal(1024L * 648 + 1024L * 21600 + 360, a.MultiplyAdds);
        AssertNetworkMatches(a, expectedFinalChannels: 36);
    }

    [Fact]
    public void TwoParallelLayersFromTheImageCountsByHand()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(5, 5, 36) });
        // Layer 1 has no input, so it reads the image: 5*5*3*36 = 2,700 weights + 72 BatchNorm = 2,772.
        // Both layers are leaves: final map has 24+36 = 60 channels, classifier 60*10 + 10 = 610.
        Assert.Equal(696 + 2772 + 610, a.ParameterCount);
        Assert.Equal(1024L * 648 + 1024L * 2700 + 600, a.MultiplyAdds);
        AssertNetworkMatches(a, expectedFinalChannels: 60);
    }

    [Fact]
    public void SkipFromStridedLayerIsZeroPaddedAndCountsByHand()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3, SearchStrides = true });
        var a = new CnnArchitecture(space, new[]
        {
            new CnnLayer(3, 3, 24, 2, CnnPooling.None, Array.Empty<int>()), // image -> 24 x 16x16 (ceil(32/2))
            new CnnLayer(3, 3, 36),                                           // image -> 36 x 32x32
            new CnnLayer(1, 1, 48, 0, 1),                                     // [layer 0 padded to 32x32 ; layer 1] = 60 x 32x32 -> 48 x 32x32
        });
        // Parameters: 3*3*3*24 + 48 = 696; 3*3*3*36 + 72 = 1,044; 1*1*60*48 + 96 = 2,976; leaf is layer 2 only: 48*10 + 10 = 490.
        Assert.Equal(696 + 1044 + 2976 + 490, a.ParameterCount);
        // Multiply-adds: 16*16*24*27 + 32*32*36*27 + 32*32*48*60 + 48*10.
        Assert.Equal(256L * 24 * 27 + 1024L * 36 * 27 + 1024L * 48 * 60 + 480, a.MultiplyAdds);
        Assert.Equal(new CnnLayerShape(60, 32, 32, 32, 32, 48, 32, 32), a.Layout.Layers[2]);
        Assert.Equal(new[] { 2 }, a.Layout.FinalInputs);
        AssertNetworkMatches(a, expectedFinalChannels: 48);
    }

    [Fact]
    public void PaddingIsZeroAtTheBottomAndRight()
    {
        // Layer 2 is a 1x1 conv over [layer 0 (stride 2, 2x2 of a 4x4 image) padded to 4x4 ; layer 1 (4x4)].
        // If layer 1 outputs zeros, layer 2's pre-BatchNorm output is w * layer0 padded: zero outside the top-left 2x2.
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3, SearchStrides = true, FilterCounts = new[] { 1 }, InputHeight = 4, InputWidth = 4, InputChannels = 1 });
        var a = new CnnArchitecture(space, new[]
        {
            new CnnLayer(1, 1, 1, 2, CnnPooling.None, Array.Empty<int>()),
            new CnnLayer(1, 1, 1),
            new CnnLayer(1, 1, 1, 0, 1),
        });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        network.eval();
        using var noGrad = no_grad();
        var image = arange(1, 17, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        Tensor[] outputs = network.LayerOutputs(image);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, outputs[0].shape);
        Assert.Equal(new long[] { 1, 1, 4, 4 }, outputs[1].shape);
        Tensor padded = nn.functional.pad(outputs[0], new long[] { 0, 2, 0, 2 });
        // Recompute layer 2 by hand from its parameters, with layer 0 placed top-left and zeros elsewhere.
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor w = parameters["layers.2.conv.weight"];
        Tensor conv = w[0, 0, 0, 0] * padded + w[0, 1, 0, 0] * outputs[1];
        var bn = network.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Tensor normed = (conv - bn["layers.2.norm.running_mean"][0]) / (bn["layers.2.norm.running_var"][0] + 1e-5).sqrt()
            * parameters["layers.2.norm.weight"][0] + parameters["layers.2.norm.bias"][0];
        Assert.True(allclose(normed.relu(), outputs[2], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void AnalyticParameterCountAndShapesMatchBuiltNetworks()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 5, SearchStrides = true, SearchPooling = true, InputHeight = 9, InputWidth = 7, FilterCounts = new[] { 2, 3, 5 },
        });
        AssertRandomMembersMatchBuiltNetworks(space, seed: 21);
    }

    /// <summary>25 random members of <paramref name="space"/> (9x7 images) each pass <see cref="AssertBuiltNetworkMatchesLayout"/>.</summary>
    internal static void AssertRandomMembersMatchBuiltNetworks(CnnSearchSpace space, int seed)
    {
        var random = new Random(seed);
        using var scope = NewDisposeScope();
        using var images = randn(2, 3, 9, 7);
        for (int trial = 0; trial < 25; trial++)
            AssertBuiltNetworkMatchesLayout(space.Decode(CnnSearchSpaceTests.RandomTokens(space, random)), images);
    }

    /// <summary>The built network has the layout's parameter count and every layer's output shape, and gives [N, classes] logits.</summary>
    internal static void AssertBuiltNetworkMatchesLayout(CnnArchitecture a, Tensor images)
    {
        using var network = new ChildCnn(a);
        Assert.Equal(a.ParameterCount, network.parameters().Sum(p => p.numel()));
        network.eval();
        using var noGrad = no_grad();
        Tensor[] outputs = network.LayerOutputs(images);
        for (int i = 0; i < outputs.Length; i++)
        {
            CnnLayerShape shape = a.Layout.Layers[i];
            Assert.Equal(new long[] { images.shape[0], shape.OutputChannels, shape.OutputHeight, shape.OutputWidth }, outputs[i].shape);
        }

        Assert.Equal(new long[] { images.shape[0], a.Space.Options.ClassCount }, network.forward(images).shape);
    }

    [Fact]
    public void GeneratorAloneDecidesInitialWeightsWithinPyTorchDefaultBounds()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(5, 5, 36, 0) });
        using var scope = NewDisposeScope();
        using var g1 = new Generator(42);
        using var first = new ChildCnn(a, g1);
        torch.manual_seed(7);
        randn(10);
        using var g2 = new Generator(42);
        using var second = new ChildCnn(a, g2);
        using var g3 = new Generator(43);
        using var other = new ChildCnn(a, g3);
        var p1 = first.named_parameters().ToArray();
        var p2 = second.named_parameters().ToArray();
        var p3 = other.named_parameters().ToArray();
        for (int k = 0; k < p1.Length; k++)
            Assert.True(p1[k].parameter.equal(p2[k].parameter).all().item<bool>(), p1[k].name);
        var weight = p1.Single(p => p.name == "layers.1.conv.weight").parameter;
        // kaiming_uniform(a = sqrt 5): bound 1/sqrt(fan_in), fan_in = 24 channels * 5 * 5.
        double bound = 1 / Math.Sqrt(24 * 25);
        Assert.True(weight.abs().max().item<float>() <= bound + 1e-7);
        Assert.True(weight.abs().max().item<float>() > 0.9 * bound);
        Assert.False(weight.equal(p3.Single(p => p.name == "layers.1.conv.weight").parameter).all().item<bool>());
    }

    [Fact]
    public void WrongInputShapeIsAClearError()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 1 });
        using var network = new ChildCnn(new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24) }));
        using var wrong = zeros(2, 1, 32, 32);
        var e = Assert.Throws<ArgumentException>(() => network.forward(wrong));
        Assert.Contains("[N, 3, 32, 32]", e.Message);
    }

    private static void AssertNetworkMatches(CnnArchitecture a, int expectedFinalChannels)
    {
        Assert.Equal(expectedFinalChannels, a.Layout.FinalChannels);
        using var scope = NewDisposeScope();
        AssertBuiltNetworkMatchesLayout(a, randn(2, 3, 32, 32));
    }
}
