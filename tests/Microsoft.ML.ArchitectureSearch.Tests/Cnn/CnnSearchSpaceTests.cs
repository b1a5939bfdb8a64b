using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public class CnnSearchSpaceTests
{
    [Fact]
    public void DefaultSpaceHasZophLeStepsInOrder()
    {
        var space = new CnnSearchSpace();
        // 6 layers x 3 choices + skips 0+1+2+3+4+5.
        Assert.Equal(6 * 3 + 15, space.Steps.Count);
        Assert.Equal("cnn", space.Name);
        int k = space.FirstStepOfLayer(2);
        Assert.Equal(new[] { "layer2.filter_height", "layer2.filter_width", "layer2.filters", "skip 0->2", "skip 1->2", "layer3.filter_height" },
            space.Steps.Skip(k).Take(6).Select(s => s.Name));
        Assert.Equal(new[] { "1", "3", "5", "7" }, space.Steps[k].Choices);
        Assert.Equal(new[] { "24", "36", "48", "64" }, space.Steps[k + 2].Choices);
        DecisionStep skip = space.Steps[k + 4];
        Assert.Equal(DecisionKind.Skip, skip.Kind);
        Assert.Equal((1, 2), (skip.FromLayer, skip.Layer));
    }

    [Fact]
    public void StrideAndPoolingStepsAppearWhenSearchedAndFifteenLayersWork()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 15, SearchStrides = true, SearchPooling = true });
        Assert.Equal(15 * 5 + 15 * 14 / 2, space.Steps.Count);
        int k = space.FirstStepOfLayer(1);
        Assert.Equal(new[] { "layer1.filter_height", "layer1.filter_width", "layer1.filters", "layer1.stride", "layer1.pool", "skip 0->1" },
            space.Steps.Skip(k).Take(6).Select(s => s.Name));
        Assert.Equal(new[] { "none", "max2x2", "avg2x2" }, space.Steps[k + 4].Choices);
        var architecture = space.Decode(RandomTokens(space, new Random(3)));
        Assert.Equal(15, architecture.Layers.Count);
    }

    [Fact]
    public void FingerprintChangesWithEveryOption()
    {
        var baseline = new CnnSearchSpaceOptions();
        var variants = new[]
        {
            baseline with { LayerCount = 7 },
            baseline with { FilterHeights = new[] { 1, 3 } },
            baseline with { FilterWidths = new[] { 3, 5 } },
            baseline with { FilterCounts = new[] { 24, 36 } },
            baseline with { SearchStrides = true },
            baseline with { SearchPooling = true },
            baseline with { InputChannels = 1 },
            baseline with { InputHeight = 28 },
            baseline with { InputWidth = 28 },
            baseline with { ClassCount = 100 },
            baseline with { MaxParameters = 1000000 },
            baseline with { MaxMultiplyAdds = 1000000 },
        };
        string fingerprint = new CnnSearchSpace(baseline).Fingerprint;
        Assert.Equal(fingerprint, new CnnSearchSpace(new CnnSearchSpaceOptions()).Fingerprint);
        var all = variants.Select(v => new CnnSearchSpace(v).Fingerprint).Append(fingerprint).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public void BadLayerCountIsRejected(int layers) =>
        Assert.Throws<ArgumentException>(() => new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = layers }));

    [Fact]
    public void EvenFilterSizesAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new CnnSearchSpace(new CnnSearchSpaceOptions { FilterHeights = new[] { 2, 3 } }));
        Assert.Contains("FilterHeights", e.Message);
    }

    internal static int[] RandomTokens(ISearchSpace space, Random random) =>
        space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
}
