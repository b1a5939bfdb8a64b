using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>
/// Downsampling stages of the CNN space: fixed reductions, per-stage filter counts and how maps of different sizes are
/// joined (<see cref="CnnSkipResize"/>), and that a space without them is exactly the space it always was.
/// </summary>
public class CnnStageTests
{
    // 8x8 images; a reduction after layer 1 splits the 4 layers into stage 0 (layers 0, 1) and stage 1 (layers 2, 3).
    private static readonly CnnSearchSpaceOptions TwoStages = new()
    {
        LayerCount = 4, InputHeight = 8, InputWidth = 8,
        ReductionAfterLayers = new[] { 1 },
        StageFilterCounts = new IReadOnlyList<int>[] { new[] { 4, 8 }, new[] { 16 } },
    };

    // Layer 2 reads layer 0 (8x8, stage 0) and layer 1 (4x4 after the reduction): a skip across the reduction.
    // Layer 3 has no inputs: it reads the image, pooled once because one reduction comes before it.
    private static readonly CnnLayer[] AcrossTheReduction =
    {
        new(3, 3, 4),
        new(3, 3, 8, 0),
        new(1, 1, 16, 0, 1),
        new(3, 3, 16),
    };

    [Fact]
    public void DefaultOptionsKeepTheExactFingerprintAndHashTheyHadBeforeStages()
    {
        const string before = "cnn;layers=6;filter_heights=1,3,5,7;filter_widths=1,3,5,7;filters=24,36,48,64;strides=off;pooling=off;" +
            "input=3x32x32;classes=10;max_parameters=none;max_multiply_adds=none";
        var space = new CnnSearchSpace();
        Assert.Equal(before, space.Fingerprint);
        // SHA-256 of the text above + "|0,0,...,0" (33 tokens), first 8 bytes: computed outside this code base.
        Assert.Equal("2d3aa95a186b7aeb", space.Decode(new int[space.Steps.Count]).Hash);
        // Saying the defaults out loud changes nothing either.
        var explicitDefaults = new CnnSearchSpaceOptions { ReductionAfterLayers = Array.Empty<int>(), StageFilterCounts = null, SkipResize = CnnSkipResize.PadToLargest };
        Assert.Equal(before, new CnnSearchSpace(explicitDefaults).Fingerprint);
    }

    [Fact]
    public void ADefaultSpacesDocumentHasNoStageMembers()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        string json = space.Decode(new int[space.Steps.Count]).ToJson();
        Assert.DoesNotContain("reductionAfterLayers", json);
        Assert.DoesNotContain("stageFilterCounts", json);
        Assert.DoesNotContain("skipResize", json);
        Assert.EndsWith("\"maxParameters\":null,\"maxMultiplyAdds\":null}}", json);
    }

    [Fact]
    public void EachStageOptionChangesTheFingerprintAndIsAppendedAfterTheOldText()
    {
        var baseline = new CnnSearchSpaceOptions { LayerCount = 4 };
        string old = new CnnSearchSpace(baseline).Fingerprint;
        var variants = new[]
        {
            baseline with { ReductionAfterLayers = new[] { 1 }, SkipResize = CnnSkipResize.PadToLargest },
            baseline with { ReductionAfterLayers = new[] { 1 } }, // joins by pooling: a different network
            baseline with { ReductionAfterLayers = new[] { 2 } },
            baseline with { StageFilterCounts = new IReadOnlyList<int>[] { new[] { 24, 36 } } },
            baseline with { SkipResize = CnnSkipResize.PoolToSmallest },
        };
        string[] fingerprints = variants.Select(v => new CnnSearchSpace(v).Fingerprint).ToArray();
        Assert.All(fingerprints, f => Assert.StartsWith(old + ";", f));
        Assert.Equal(fingerprints.Length + 1, fingerprints.Append(old).Distinct().Count());
        Assert.Equal(old + ";reductions=1;skip_resize=pool_to_smallest", fingerprints[1]);
        Assert.Equal(old + ";stage_filters=24,36", fingerprints[3]);
        // Null SkipResize with reductions means PoolToSmallest: saying so explicitly is the same space.
        Assert.Equal(fingerprints[1], new CnnSearchSpace(variants[1] with { SkipResize = CnnSkipResize.PoolToSmallest }).Fingerprint);
    }

    [Fact]
    public void EachLayersFiltersStepOffersItsStagesFilterCounts()
    {
        var space = new CnnSearchSpace(TwoStages);
        Assert.Equal(4 * 3 + 6, space.Steps.Count); // the reductions are not decisions
        Assert.Equal(new[] { "4", "8" }, space.Steps[space.FirstStepOfLayer(1) + 2].Choices);
        Assert.Equal(new[] { "16" }, space.Steps[space.FirstStepOfLayer(2) + 2].Choices);
        Assert.Equal("layer2.filters", space.Steps[space.FirstStepOfLayer(2) + 2].Name);

        CnnArchitecture a = new(space, AcrossTheReduction);
        Assert.Equal(a.Layers, space.Decode(a.Tokens).Layers);
        // A count of another stage is not a member.
        CnnLayer[] wide = AcrossTheReduction.Select((l, i) => i == 1 ? l with { Filters = 16 } : l).ToArray();
        var e = Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(space, wide));
        Assert.Contains("'layer1.filters': 16 is not one of the choices 4, 8", e.Message);
    }

    [Fact]
    public void PoolingJoinCountsByHandAcrossAReduction()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(TwoStages), AcrossTheReduction);
        // Parameters (no conv bias; BatchNorm 2 per filter):
        //   layer 0: 3x3 conv 3 -> 4:   3*3*3*4  = 108 + 8  = 116
        //   layer 1: 3x3 conv 4 -> 8:   3*3*4*8  = 288 + 16 = 304
        //   layer 2: 1x1 conv 12 -> 16: 1*1*12*16 = 192 + 32 = 224   (12 = 4 channels of layer 0 + 8 of layer 1)
        //   layer 3: 3x3 conv 3 -> 16:  3*3*3*16 = 432 + 32 = 464   (reads the image)
        //   leaves are layers 2 and 3: 32 channels, classifier 32*10 + 10 = 330
        Assert.Equal(116 + 304 + 224 + 464 + 330, a.ParameterCount);
        Assert.Equal(1438, a.ParameterCount);
        // Multiply-adds (output pixels * weights):
        //   layer 0 at 8x8: 64*108; layer 1 at 8x8: 64*288, then the reduction makes its output 4x4;
        //   layer 2: layer 0 (8x8) is max-pooled to layer 1's 4x4, so 16*192; layer 3: the image pooled to 4x4, 16*432;
        //   classifier 32*10.
        Assert.Equal(64L * 108 + 64L * 288 + 16L * 192 + 16L * 432 + 320, a.MultiplyAdds);
        Assert.Equal(35648, a.MultiplyAdds);
        Assert.Equal(new CnnLayerShape(3, 8, 8, 8, 8, 4, 8, 8), a.Layout.Layers[0]);
        Assert.Equal(new CnnLayerShape(4, 8, 8, 8, 8, 8, 4, 4), a.Layout.Layers[1]);
        Assert.Equal(new CnnLayerShape(12, 4, 4, 4, 4, 16, 4, 4), a.Layout.Layers[2]);
        Assert.Equal(new CnnLayerShape(3, 4, 4, 4, 4, 16, 4, 4), a.Layout.Layers[3]);
        Assert.Equal((32, 4, 4), (a.Layout.FinalChannels, a.Layout.FinalHeight, a.Layout.FinalWidth));
        AssertNetworkMatches(a, 8);
    }

    [Fact]
    public void PaddingJoinCountsByHandAcrossAReductionAndRunsAtTheLargerSize()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(TwoStages with { SkipResize = CnnSkipResize.PadToLargest }), AcrossTheReduction);
        // Same weights (1,438 parameters); layer 2 now joins at 8x8 (layer 1 zero-padded up), so its conv costs 64*192,
        // and the final map is 8x8 (layer 3's 4x4 output padded up to layer 2's 8x8).
        Assert.Equal(1438, a.ParameterCount);
        Assert.Equal(64L * 108 + 64L * 288 + 64L * 192 + 16L * 432 + 320, a.MultiplyAdds);
        Assert.Equal(new CnnLayerShape(12, 8, 8, 8, 8, 16, 8, 8), a.Layout.Layers[2]);
        Assert.Equal(new CnnLayerShape(3, 4, 4, 4, 4, 16, 4, 4), a.Layout.Layers[3]);
        Assert.Equal((32, 8, 8), (a.Layout.FinalChannels, a.Layout.FinalHeight, a.Layout.FinalWidth));
        AssertNetworkMatches(a, 8);
    }

    [Fact]
    public void AReductionAfterASearchedPoolHalvesAgain()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 2, SearchPooling = true, InputHeight = 9, InputWidth = 7, ReductionAfterLayers = new[] { 0 },
        });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24, 1, CnnPooling.Avg2x2, Array.Empty<int>()), new CnnLayer(3, 3, 24, 0) });
        // 9x7 -> avg pool 5x4 -> reduction 3x2; layer 1 convolves 3x2.
        Assert.Equal(new CnnLayerShape(3, 9, 7, 9, 7, 24, 3, 2), a.Layout.Layers[0]);
        Assert.Equal(new CnnLayerShape(24, 3, 2, 3, 2, 24, 3, 2), a.Layout.Layers[1]);
        AssertNetworkMatches(a, 9, 7);
    }

    [Theory]
    [InlineData(CnnSkipResize.PoolToSmallest)]
    [InlineData(CnnSkipResize.PadToLargest)]
    public void AnalyticCountsAndShapesMatchBuiltNetworksOfAStagedSpace(CnnSkipResize join)
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 6, SearchStrides = true, SearchPooling = true, InputHeight = 9, InputWidth = 7,
            ReductionAfterLayers = new[] { 1, 3 },
            StageFilterCounts = new IReadOnlyList<int>[] { new[] { 2, 3 }, new[] { 4, 5 }, new[] { 6, 7 } },
            SkipResize = join,
        });
        CnnNetworkTests.AssertRandomMembersMatchBuiltNetworks(space, seed: 21);
    }

    [Fact]
    public void PoolToSmallestMaxPoolsLargerMapsDownAndPadToLargestZeroPadsSmallerOnesUp()
    {
        using var scope = NewDisposeScope();
        Tensor large = arange(1, 17, dtype: ScalarType.Float32).view(1, 1, 4, 4); // rows 1-4, 5-8, 9-12, 13-16
        Tensor small = full(new long[] { 1, 1, 2, 2 }, -1f);
        Tensor pooled = FeatureMaps.Concat(new[] { large, small }, CnnSkipResize.PoolToSmallest);
        // Each 2x2 block's maximum: 6, 8, 14, 16; the small map unchanged.
        Assert.Equal(new float[] { 6, 8, 14, 16, -1, -1, -1, -1 }, pooled.data<float>().ToArray());
        Tensor padded = FeatureMaps.Concat(new[] { large, small }, CnnSkipResize.PadToLargest);
        Assert.Equal(new long[] { 1, 2, 4, 4 }, padded.shape);
        Assert.Equal(new float[] { -1, -1, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, padded[0, 1].data<float>().ToArray());
        // The fixed reduction rounds up: a 3x3 map becomes 2x2, the partial windows pooling what they cover.
        Tensor odd = arange(1, 10, dtype: ScalarType.Float32).view(1, 1, 3, 3);
        Assert.Equal(new float[] { 5, 6, 8, 9 }, FeatureMaps.Halve(odd).data<float>().ToArray());
    }

    [Fact]
    public void AnInputlessLayerAfterAReductionReadsThePooledImage()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 2, FilterCounts = new[] { 1 }, InputChannels = 1, InputHeight = 4, InputWidth = 4, ReductionAfterLayers = new[] { 0 },
        });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(1, 1, 1), new CnnLayer(1, 1, 1) });
        using var scope = NewDisposeScope();
        using var network = new ChildCnn(a);
        network.eval();
        using var noGrad = no_grad();
        Tensor image = arange(1, 17, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        Tensor output = network.LayerOutputs(image)[1];
        // Layer 1 is relu(BatchNorm(w * maxpool2x2(image))); fresh BatchNorm statistics are mean 0, variance 1.
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Tensor pooled = tensor(new float[] { 6, 8, 14, 16 }).view(1, 1, 2, 2);
        Tensor expected = (parameters["layers.1.conv.weight"][0, 0, 0, 0] * pooled / Math.Sqrt(1 + 1e-5)
            * parameters["layers.1.norm.weight"][0] + parameters["layers.1.norm.bias"][0]).relu();
        Assert.True(allclose(expected, output, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void DescribeAndDiagramShowTheReductions()
    {
        var a = new CnnArchitecture(new CnnSearchSpace(TwoStages), AcrossTheReduction);
        Assert.StartsWith("4 layers in 2 stages: 3x3x4, 3x3x8 [from 0] | 1x1x16 [from 0,1], 3x3x16; 1,438 parameters, 35,648 multiply-adds", a.Describe());

        ArchitectureGraph graph = a.ToGraph();
        Assert.Equal(new[] { "image", "L0", "L1", "R1", "L2", "L3", "head" }, graph.Nodes.Select(n => n.Id));
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, graph.Nodes.Select(n => n.Rank));
        // Readers of layer 1 read it through its reduction; layer 3 reads the image pooled once.
        Assert.Contains(new GraphEdge("L1", "R1"), graph.Edges);
        Assert.Contains(new GraphEdge("R1", "L2"), graph.Edges);
        Assert.Contains(new GraphEdge("L0", "L2"), graph.Edges);
        Assert.Contains(new GraphEdge("image", "L3", "max pool /2"), graph.Edges);
        Assert.Contains(new GraphEdge("L3", "head"), graph.Edges);
        Assert.DoesNotContain(graph.Edges, e => e.From == "L1" && e.To != "R1");
    }

    [Fact]
    public void StageOptionsRoundTripThroughTheDocumentInTheSpaceAndStandalone()
    {
        var space = new CnnSearchSpace(TwoStages with { ClassCount = 4 });
        var a = new CnnArchitecture(space, AcrossTheReduction);
        string json = a.ToJson();
        Assert.Contains("\"reductionAfterLayers\":[1],\"stageFilterCounts\":[[4,8],[16]]", json);
        Assert.DoesNotContain("skipResize", json); // null: chosen by the space

        CnnArchitecture inSpace = space.FromJson(json);
        CnnArchitecture standalone = CnnSearchSpace.FromStandaloneJson(json);
        foreach (CnnArchitecture back in new[] { inSpace, standalone })
        {
            Assert.Equal(space.Fingerprint, back.Space.Fingerprint);
            Assert.Equal(a.Hash, back.Hash);
            Assert.Equal(a.Layers, back.Layers);
            Assert.Equal(a.MultiplyAdds, back.MultiplyAdds);
            Assert.Equal(json, back.ToJson());
        }

        var padded = new CnnSearchSpace(TwoStages with { SkipResize = CnnSkipResize.PadToLargest });
        string paddedJson = new CnnArchitecture(padded, AcrossTheReduction).ToJson();
        Assert.Contains("\"skipResize\":\"PadToLargest\"", paddedJson);
        Assert.Equal(padded.Fingerprint, CnnSearchSpace.FromStandaloneJson(paddedJson).Space.Fingerprint);
        // The document of one join is not a member of the space with the other (same layers, other network).
        Assert.NotEqual(space.Fingerprint, padded.Fingerprint);
    }

    [Fact]
    public void ADocumentWithSettingsIsReadForDataInItsOwnSpaceWithTheDatasShapeAndClasses()
    {
        string json = new CnnArchitecture(new CnnSearchSpace(TwoStages), AcrossTheReduction).ToJson();
        var data = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, InputHeight = 16, InputWidth = 16, ClassCount = 3 });

        CnnArchitecture a = data.FromJsonForData(json);

        Assert.Equal(TwoStages.ReductionAfterLayers, a.Space.Options.ReductionAfterLayers);
        Assert.Equal((3, 16, 16, 3), (a.Space.Options.InputChannels, a.Space.Options.InputHeight, a.Space.Options.InputWidth, a.Space.Options.ClassCount));
        Assert.Equal(AcrossTheReduction, a.Layers);
        // Without settings the document must be a member of the data's space, as FromJson.
        string bare = "{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[]},{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[0]}]}";
        Assert.Equal(data.Fingerprint, data.FromJsonForData(bare).Space.Fingerprint);
        Assert.Contains("expects 2 layers", Assert.Throws<ArchitectureValidationException>(() => data.FromJsonForData(bare.Replace(",{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[0]}", ""))).Message);
    }

    [Theory]
    [InlineData("reduction after the last layer", "ReductionAfterLayers must list layers 0..2")]
    [InlineData("negative reduction", "ReductionAfterLayers must list layers 0..2")]
    [InlineData("unsorted reductions", "ReductionAfterLayers must be strictly increasing")]
    [InlineData("repeated reduction", "ReductionAfterLayers must be strictly increasing")]
    [InlineData("null reductions", "ReductionAfterLayers must be a list")]
    [InlineData("too few stage lists", "StageFilterCounts must hold one list per stage (ReductionAfterLayers.Count + 1 = 2); got 1")]
    [InlineData("repeated stage count", "StageFilterCounts[0] lists a value twice")]
    [InlineData("zero stage count", "StageFilterCounts[1] must be positive")]
    [InlineData("empty stage list", "StageFilterCounts[1] must list at least one value")]
    [InlineData("unknown skip resize", "SkipResize is not a known way")]
    public void BadStageOptionsAreRefusedByName(string what, string message)
    {
        var valid = new CnnSearchSpaceOptions { LayerCount = 4, ReductionAfterLayers = new[] { 1 } };
        CnnSearchSpaceOptions bad = what switch
        {
            "reduction after the last layer" => valid with { ReductionAfterLayers = new[] { 3 } },
            "negative reduction" => valid with { ReductionAfterLayers = new[] { -1 } },
            "unsorted reductions" => valid with { ReductionAfterLayers = new[] { 2, 1 } },
            "repeated reduction" => valid with { ReductionAfterLayers = new[] { 1, 1 } },
            "null reductions" => valid with { ReductionAfterLayers = null! },
            "too few stage lists" => valid with { StageFilterCounts = new IReadOnlyList<int>[] { new[] { 8 } } },
            "repeated stage count" => valid with { StageFilterCounts = new IReadOnlyList<int>[] { new[] { 8, 8 }, new[] { 16 } } },
            "zero stage count" => valid with { StageFilterCounts = new IReadOnlyList<int>[] { new[] { 8 }, new[] { 0 } } },
            "empty stage list" => valid with { StageFilterCounts = new IReadOnlyList<int>[] { new[] { 8 }, Array.Empty<int>() } },
            "unknown skip resize" => valid with { SkipResize = (CnnSkipResize)7 },
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
        };
        Assert.NotNull(new CnnSearchSpace(valid));
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => new CnnSearchSpace(bad)).Message);
        // A document carrying such settings cannot stand alone, and says why.
        string json = new CnnArchitecture(new CnnSearchSpace(valid), new CnnLayer[] { new(3, 3, 24), new(3, 3, 24, 0), new(3, 3, 24, 1), new(3, 3, 24, 2) }).ToJson();
        Assert.Contains("'settings' are not a valid search space", Assert.Throws<ArchitectureValidationException>(() =>
            CnnSearchSpace.FromStandaloneJson(json.Replace("\"reductionAfterLayers\":[1]", "\"reductionAfterLayers\":[3]"))).Message);
    }

    private static void AssertNetworkMatches(CnnArchitecture a, int height, int? width = null)
    {
        using var scope = NewDisposeScope();
        CnnNetworkTests.AssertBuiltNetworkMatchesLayout(a, randn(2, 3, height, width ?? height));
    }
}
