using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public sealed class CnnReferenceTests
{
    /// <summary>bench/space-airbench.json, written out (tests read only testdata/).</summary>
    private static readonly CnnSearchSpaceOptions AirbenchSpace = new()
    {
        LayerCount = 6,
        FilterHeights = new[] { 1, 3, 5 },
        FilterWidths = new[] { 1, 3, 5 },
        ReductionAfterLayers = new[] { 0, 2, 4 },
        StageFilterCounts = new[] { new[] { 32, 64 }, new[] { 64, 128, 256 }, new[] { 128, 256, 512 }, new[] { 256, 512 } },
        Stem = CnnStem.PatchWhitening,
        Activation = CnnActivation.GELU,
        GlobalPooling = CnnGlobalPooling.Max,
        LogitScale = 1.0 / 9,
        MaxParameters = 4_000_000,
    };

    /// <summary>Shapes of the convolution weights in layer order (out, in, height, width), stem first when there is one.</summary>
    private static long[][] ConvolutionShapes(CnnArchitecture architecture)
    {
        using var network = new ChildCnn(architecture);
        return network.named_parameters().Select(p => p.parameter.shape).Where(s => s.Length == 4).ToArray();
    }

    private static ReferenceArchitecture Named(ISearchSpace space, string name) => Assert.Single(space.References, r => r.Name == name);

    [Fact]
    public void TheDefaultSpaceOffersThePlainAndDenseStacksButNotTheAirbenchNetwork()
    {
        var space = new CnnSearchSpace();
        Assert.Equal(new[] { "plain 3x3 stack", "dense 3x3 stack" }, space.References.Select(r => r.Name));
    }

    [Fact]
    public void EveryReferenceIsAMemberOfItsSpaceAndReadsBackFromItsJson()
    {
        foreach (var space in new[] { new CnnSearchSpace(), new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3 }), new CnnSearchSpace(AirbenchSpace) })
        {
            Assert.NotEmpty(space.References);
            foreach (ReferenceArchitecture reference in space.References)
            {
                Assert.Same(space, reference.Architecture.Space);
                Assert.Equal(reference.Architecture.Hash, space.Decode(reference.Architecture.Tokens).Hash);
                Assert.Equal(reference.Architecture.Hash, space.FromJson(reference.Architecture.ToJson()).Hash);
            }
        }
    }

    [Fact]
    public void ThePlainStackBuildsSix3x3ConvolutionsOf64FiltersInAChain()
    {
        var plain = (CnnArchitecture)Named(new CnnSearchSpace(), "plain 3x3 stack").Architecture;
        Assert.Equal(new[] { new long[] { 64, 3, 3, 3 } }.Concat(Enumerable.Repeat(new long[] { 64, 64, 3, 3 }, 5)), ConvolutionShapes(plain));
        Assert.Equal(new[] { "", "0", "1", "2", "3", "4" }, plain.Layers.Select(l => string.Join(",", l.Inputs)));
    }

    [Fact]
    public void InASpaceThatFixesEveryStagesWidthTheStacksTakeThoseWidths()
    {
        // bench/space-enas-macro.json's shape, smaller: widths 8 | 16 | 32 fixed per stage, every operation offered.
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            LayerCount = 5, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, ReductionAfterLayers = new[] { 1, 3 },
            StageFilterCounts = new[] { new[] { 8 }, new[] { 16 }, new[] { 32 } },
            Operations = new[] { CnnOperation.Convolution, CnnOperation.SeparableConvolution, CnnOperation.MaxPool3x3, CnnOperation.AvgPool3x3 },
        });

        var plain = (CnnArchitecture)Named(space, "plain 3x3 stack").Architecture;
        var dense = (CnnArchitecture)Named(space, "dense 3x3 stack").Architecture;

        Assert.Equal(new[] { 8, 8, 16, 16, 32 }, plain.Layers.Select(l => l.Filters));
        Assert.All(plain.Layers, l => Assert.Equal((3, 3, CnnOperation.Convolution), (l.FilterHeight, l.FilterWidth, l.Operation)));
        Assert.Equal(new[] { "", "0", "1", "2", "3" }, plain.Layers.Select(l => string.Join(",", l.Inputs)));
        Assert.Equal(new[] { 8, 8, 16, 16, 32 }, dense.Layers.Select(l => l.Filters));
        Assert.Equal("0,1,2,3", string.Join(",", dense.Layers[4].Inputs));
        Assert.Contains("8 | 16 | 32 filters", Named(space, "plain 3x3 stack").Claim);
    }

    [Fact]
    public void TheDenseStackBuildsConvolutionsThatReadEveryEarlierLayer()
    {
        var dense = (CnnArchitecture)Named(new CnnSearchSpace(), "dense 3x3 stack").Architecture;
        // Layer i > 0 reads the concatenation of layers 0..i-1: 64 * i channels.
        long[][] expected = Enumerable.Range(0, 6).Select(i => new long[] { 64, i == 0 ? 3 : 64 * i, 3, 3 }).ToArray();
        Assert.Equal(expected, ConvolutionShapes(dense));
    }

    [Fact]
    public void TheAirbenchNetworkIsOfferedOnlyInASpaceWithItsNetworkSettingsAndBuildsItsStemAndStages()
    {
        var space = new CnnSearchSpace(AirbenchSpace);
        // The stacks' 64 filters are not offered in the later stages of this space.
        Assert.Equal(new[] { "airbench-like" }, space.References.Select(r => r.Name));
        var airbench = (CnnArchitecture)space.References[0].Architecture;
        using (var network = new ChildCnn(airbench))
            Assert.True(network.HasWhiteningStem);
        // The stem's 2x2 filters (24 = 2 x 2x2x3 whitening directions), then 64 | 64, 256 | 256, 256 | 256 in four stages.
        Assert.Equal(new[]
        {
            new long[] { 24, 3, 2, 2 }, new long[] { 64, 24, 3, 3 }, new long[] { 64, 64, 3, 3 }, new long[] { 256, 64, 3, 3 },
            new long[] { 256, 256, 3, 3 }, new long[] { 256, 256, 3, 3 }, new long[] { 256, 256, 3, 3 },
        }, ConvolutionShapes(airbench));
        Assert.Contains("4 stages", airbench.Describe());

        // The same layers in a space with ReLU instead of GELU would be another network: not offered there.
        Assert.DoesNotContain(new CnnSearchSpace(AirbenchSpace with { Activation = CnnActivation.ReLU }).References, r => r.Name == "airbench-like");
    }

    [Fact]
    public void ASpaceWithoutThe3x3ChoiceOffersNoStacks()
    {
        Assert.Empty(new CnnSearchSpace(new CnnSearchSpaceOptions { FilterHeights = new[] { 1, 5 } }).References);
        Assert.Empty(new CnnSearchSpace(new CnnSearchSpaceOptions { FilterCounts = new[] { 24, 36 } }).References);
    }
}
