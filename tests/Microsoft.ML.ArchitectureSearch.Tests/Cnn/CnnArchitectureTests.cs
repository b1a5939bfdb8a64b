using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

public class CnnArchitectureTests
{
    private static readonly CnnSearchSpaceOptions Full = new() { LayerCount = 6, SearchStrides = true, SearchPooling = true };

    [Fact]
    public void TokensRoundTripThroughTypedLayers()
    {
        var space = new CnnSearchSpace(Full);
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            int[] tokens = CnnSearchSpaceTests.RandomTokens(space, random);
            CnnArchitecture decoded = space.Decode(tokens);
            Assert.Equal(tokens, decoded.Tokens);
            var rebuilt = new CnnArchitecture(space, decoded.Layers);
            Assert.Equal(tokens, rebuilt.Tokens);
            Assert.Equal(decoded.Layers, rebuilt.Layers);
            Assert.Equal(decoded.Hash, rebuilt.Hash);
            Assert.Equal(ArchitectureHash.Compute(space.Fingerprint, tokens), decoded.Hash);
        }
    }

    [Fact]
    public void DecodeReadsEachTokenIntoItsField()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3, SearchStrides = true });
        // Per layer: height, width, filters, stride, then skips from earlier layers.
        int[] tokens = { 1, 2, 3, 1, /* layer 1 */ 0, 3, 0, 0, 1, /* layer 2 */ 2, 1, 1, 2, 0, 1 };
        CnnArchitecture a = space.Decode(tokens);
        Assert.Equal(new CnnLayer(3, 5, 64, 2, CnnPooling.None, Array.Empty<int>()), a.Layers[0]);
        Assert.Equal(new CnnLayer(1, 7, 24, 1, CnnPooling.None, new[] { 0 }), a.Layers[1]);
        Assert.Equal(new CnnLayer(5, 3, 36, 3, CnnPooling.None, new[] { 1 }), a.Layers[2]);
        Assert.StartsWith("3 layers: 3x5x64/s2, 1x7x24 [from 0], 5x3x36/s3 [from 1];", a.Describe());
    }

    [Fact]
    public void TypedInputsAreStoredSortedAndDescribed()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3 });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(3, 3, 24, 0), new CnnLayer(1, 1, 48, 1, 0) });
        Assert.Equal(new[] { 0, 1 }, a.Layers[2].Inputs);
        Assert.Contains("1x1x48 [from 0,1]", a.Describe());
    }

    [Fact]
    public void JsonRoundTripsThroughTheSearchSpaceInterface()
    {
        var space = new CnnSearchSpace(Full);
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            CnnArchitecture a = space.Decode(CnnSearchSpaceTests.RandomTokens(space, random));
            string json = a.ToJson();
            IArchitecture back = ((ISearchSpace)space).FromJson(json);
            Assert.Equal(a.Tokens, back.Tokens);
            Assert.Equal(a.Layers, ((CnnArchitecture)back).Layers);
            Assert.Equal(a.Hash, back.Hash);
            Assert.Equal(json, back.ToJson());
        }
    }

    [Fact]
    public void JsonIsReadableTypedLayersFollowedByTheSpacesSettings()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, SearchPooling = true });
        var a = new CnnArchitecture(space, new[] { new CnnLayer(3, 5, 24, 1, CnnPooling.Max2x2, Array.Empty<int>()), new CnnLayer(7, 1, 36, 0) });
        string json = a.ToJson();
        Assert.StartsWith(
            "{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":5,\"filters\":24,\"stride\":1,\"pool\":\"max2x2\",\"inputs\":[]}," +
            "{\"filterHeight\":7,\"filterWidth\":1,\"filters\":36,\"stride\":1,\"pool\":\"none\",\"inputs\":[0]}],\"settings\":{\"layerCount\":2,",
            json);
        Assert.Contains("\"poolings\":[\"None\",\"Max2x2\",\"Avg2x2\"]", json);
        Assert.Contains("\"classCount\":10", json);
    }

    [Fact]
    public void TheDocumentAloneRebuildsItsOwnSpaceAndArchitecture()
    {
        var options = new CnnSearchSpaceOptions { LayerCount = 3, FilterCounts = new[] { 8, 16 }, InputHeight = 28, InputWidth = 28, InputChannels = 1, ClassCount = 4 };
        var space = new CnnSearchSpace(options);
        CnnArchitecture a = space.Decode(CnnSearchSpaceTests.RandomTokens(space, new Random(3)));

        CnnArchitecture back = CnnSearchSpace.FromStandaloneJson(a.ToJson());

        Assert.Equal(space.Fingerprint, back.Space.Fingerprint);
        Assert.Equal(a.Hash, back.Hash);
        Assert.Equal(a.ToJson(), back.ToJson());
        // A hand-written document without settings belongs to whatever space reads it, so it cannot stand alone.
        string bare = "{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":8,\"inputs\":[]}]}";
        Assert.Contains("no 'settings'", Assert.Throws<ArchitectureValidationException>(() => CnnSearchSpace.FromStandaloneJson(bare)).Message);
    }

    [Theory]
    [InlineData("not json", "malformed")]
    [InlineData("{\"space\":\"rnn\",\"layers\":[]}", "'rnn'")]
    [InlineData("{\"space\":\"cnn\"}", "malformed")]
    [InlineData("{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[]}]}", "expects 2 layers")]
    [InlineData("{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[]},{\"filterHeight\":3,\"filterWidth\":3,\"filters\":25,\"inputs\":[]}]}", "layer1.filters")]
    [InlineData("{\"space\":\"cnn\",\"layers\":[{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"inputs\":[]},{\"filterHeight\":3,\"filterWidth\":3,\"filters\":24,\"pool\":\"huge\",\"inputs\":[]}]}", "unknown pooling 'huge'")]
    [InlineData("{\"space\":\"cnn\",\"layers\":[],\"extra\":1}", "malformed")]
    public void BadJsonIsRejectedWithTheReason(string json, string expected)
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        var e = Assert.Throws<ArchitectureValidationException>(() => space.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TokenOutOfRangeNamesTheStep()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3 });
        int[] tokens = new int[space.Steps.Count];
        tokens[space.FirstStepOfLayer(1) + 1] = 4;
        var e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(tokens));
        Assert.Contains("'layer1.filter_width'", e.Message);

        tokens = new int[space.Steps.Count];
        tokens[space.FirstStepOfLayer(2) + 4] = 2;
        e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(tokens));
        Assert.Contains("'skip 1->2'", e.Message);

        tokens = new int[space.Steps.Count];
        tokens[0] = -1;
        e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(tokens));
        Assert.Contains("'layer0.filter_height'", e.Message);
    }

    [Fact]
    public void WrongSequenceLengthIsRejected()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3 });
        var e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(new int[space.Steps.Count - 1]));
        Assert.Contains($"expects {space.Steps.Count} tokens", e.Message);
        Assert.Throws<ArchitectureValidationException>(() => space.Decode(new int[space.Steps.Count + 1]));
    }

    [Theory]
    [InlineData(1, "skip 1->1")]
    [InlineData(2, "skip 2->1")]
    [InlineData(-1, "skip -1->1")]
    public void SkipFromSelfOrLaterLayerIsRejected(int from, string step)
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3 });
        var e = Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(3, 3, 24, from), new CnnLayer(3, 3, 24) }));
        Assert.Contains(step, e.Message);
    }

    [Fact]
    public void TypedValuesOutsideTheSpaceAreRejected()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        CnnLayer ok = new(3, 3, 24);
        Assert.Contains("layer1.filter_height", Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { ok, new CnnLayer(9, 3, 24) })).Message);
        Assert.Contains("stride 2", Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { ok, new CnnLayer(3, 3, 24, 2, CnnPooling.None, Array.Empty<int>()) })).Message);
        Assert.Contains("pooling max2x2", Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { ok, new CnnLayer(3, 3, 24, 1, CnnPooling.Max2x2, Array.Empty<int>()) })).Message);
        Assert.Contains("twice", Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { ok, new CnnLayer(3, 3, 24, 0, 0) })).Message);
        Assert.Contains("expects 2 layers", Assert.Throws<ArchitectureValidationException>(() =>
            new CnnArchitecture(space, new[] { ok })).Message);
    }

    [Fact]
    public void LimitsRejectLargeArchitectures()
    {
        // Two parallel 3x3 layers from the image (see the hand-worked numbers in CnnNetworkTests): 4,078 parameters.
        CnnLayer[] layers = { new(3, 3, 24), new(5, 5, 36) };
        var atLimit = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, MaxParameters = 4078, MaxMultiplyAdds = 3428952 });
        Assert.Equal(4078, new CnnArchitecture(atLimit, layers).ParameterCount);

        var tightParameters = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, MaxParameters = 4077 });
        Assert.Contains("MaxParameters", Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(tightParameters, layers)).Message);
        var tightMultiplyAdds = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, MaxMultiplyAdds = 3428951 });
        Assert.Contains("MaxMultiplyAdds", Assert.Throws<ArchitectureValidationException>(() => new CnnArchitecture(tightMultiplyAdds, layers)).Message);
        // Decode applies the same limits.
        Assert.Throws<ArchitectureValidationException>(() => tightParameters.Decode(new int[tightParameters.Steps.Count]
            .Select((_, k) => k switch { 0 or 1 => 1, 3 or 4 => 2, 6 => 0, 2 => 0, 5 => 1, _ => 0 }).ToArray()));
    }
}
