using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

public class RecurrentCellSearchSpaceTests
{
    private static RecurrentCellSearchSpace Space(int leaves = 8, long? maxParameters = null, bool tie = false) =>
        new(new RecurrentCellSearchSpaceOptions { Leaves = leaves, VocabularySize = 1000, MaxParameters = maxParameters, TieWeights = tie });

    private static int[] RandomValidTokens(RecurrentCellSearchSpace space, Random random)
    {
        while (true)
        {
            var tokens = space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
            if (tokens[^1] != tokens[^2]) // memory node differs from inject node
                return tokens;
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void StepsAreTwoPerTreeNodeThenInjectAndIndices(int leaves)
    {
        var space = Space(leaves);
        int nodes = 2 * leaves - 1;
        Assert.Equal(4 * leaves + 2, space.Steps.Count);
        Assert.All(space.Steps, s => Assert.Equal(DecisionKind.Choice, s.Kind));
        for (int n = 0; n < nodes; n++)
        {
            Assert.Equal(n, space.Steps[2 * n].Layer);
            Assert.Equal(new[] { "add", "mul" }, space.Steps[2 * n].Choices);
            Assert.Equal(new[] { "identity", "tanh", "sigmoid", "relu" }, space.Steps[2 * n + 1].Choices);
        }
        Assert.Equal(new[] { "inject.combination", "inject.activation", "inject.node", "memory.node" },
            space.Steps.Skip(2 * nodes).Select(s => s.Name));
        Assert.All(space.Steps.Skip(2 * nodes), s => Assert.Equal(nodes, s.Layer));
        Assert.Equal(nodes, space.Steps[^1].ChoiceCount);
    }

    [Fact]
    public void TreeNumbersLeavesFirstAndRootLast()
    {
        var tree = new CellTree(8);
        Assert.Equal(15, tree.NodeCount);
        Assert.Equal(14, tree.Root);
        Assert.Equal((0, 1), (tree.LeftChild(8), tree.RightChild(8)));
        Assert.Equal((6, 7), (tree.LeftChild(11), tree.RightChild(11)));
        Assert.Equal((8, 9), (tree.LeftChild(12), tree.RightChild(12)));
        Assert.Equal((12, 13), (tree.LeftChild(14), tree.RightChild(14)));
        Assert.Equal(-1, tree.Parent(14));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CellTree(6));
    }

    [Fact]
    public void TokensRoundTripThroughArchitectureAndJson()
    {
        var space = Space(8);
        var random = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            var tokens = RandomValidTokens(space, random);
            var architecture = space.DecodeCell(tokens);
            Assert.Equal(tokens, architecture.Tokens);
            Assert.Equal(tokens[^2], architecture.InjectNode);
            Assert.Equal(tokens[^1], architecture.MemoryNode);
            Assert.Equal(space.Options.Activations[tokens[3]], architecture.Nodes[1].Activation);
            var back = (RecurrentCellArchitecture)space.FromJson(architecture.ToJson());
            Assert.Equal(tokens, back.Tokens);
            Assert.Equal(architecture.Hash, back.Hash);
            Assert.Equal(ArchitectureHash.Compute(space.Fingerprint, tokens), architecture.Hash);
        }
    }

    [Fact]
    public void DescribeNamesEveryNodeAndTheMemoryPath()
    {
        var space = Space(2);
        // Zoph & Le Fig. 5: leaf 0 add/tanh, leaf 1 mul/relu, root mul/sigmoid, inject add/relu at 0, c_t from 1.
        var architecture = space.DecodeCell(new[] { 0, 1, 1, 3, 1, 2, 0, 3, 0, 1 });
        string text = architecture.Describe();
        Assert.Contains("0=tanh(add x,h)", text);
        Assert.Contains("1=relu(mul x,h)", text);
        Assert.Contains("2=sigmoid(mul 0,1)", text);
        Assert.Contains("c_(t-1) -> node 0 via relu(add)", text);
        Assert.Contains("c_t <- node 1", text);
    }

    [Fact]
    public void InvalidTokenSequencesAreRejectedWithTheStepNamed()
    {
        var space = Space(4);
        var good = RandomValidTokens(space, new Random(1));
        var e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(good.Take(5).ToArray()));
        Assert.Contains("expects 18 tokens", e.Message);

        var badActivation = (int[])good.Clone();
        badActivation[3] = 4;
        e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(badActivation));
        Assert.Contains("leaf1.activation", e.Message);

        var badNode = (int[])good.Clone();
        badNode[^1] = 7;
        e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(badNode));
        Assert.Contains("memory.node", e.Message);

        var sameNode = (int[])good.Clone();
        sameNode[^1] = sameNode[^2];
        e = Assert.Throws<ArchitectureValidationException>(() => space.Decode(sameNode));
        Assert.Contains("same node", e.Message);
    }

    [Fact]
    public void InjectAtMissingNodeIsRejected()
    {
        var space = Space(2);
        var nodes = Enumerable.Repeat(new CellNodeOperation(CellCombination.Add, CellActivation.Tanh), 3).ToArray();
        var e = Assert.Throws<ArchitectureValidationException>(() =>
            new RecurrentCellArchitecture(space, nodes, CellCombination.Add, CellActivation.Tanh, injectNode: 3, memoryNode: 0));
        Assert.Contains("node 3, which does not exist", e.Message);
        e = Assert.Throws<ArchitectureValidationException>(() =>
            new RecurrentCellArchitecture(space, nodes.Take(2).ToArray(), CellCombination.Add, CellActivation.Tanh, 0, 1));
        Assert.Contains("3 tree nodes", e.Message);
    }

    [Fact]
    public void MaxParametersRejectsLargeChildren()
    {
        var unlimited = Space(8);
        var tokens = RandomValidTokens(unlimited, new Random(2));
        long count = unlimited.Decode(tokens).ParameterCount;
        Assert.Equal(count, Space(8, maxParameters: count).Decode(tokens).ParameterCount);
        var e = Assert.Throws<ArchitectureValidationException>(() => Space(8, maxParameters: count - 1).Decode(tokens));
        Assert.Contains("MaxParameters", e.Message);
    }

    [Fact]
    public void JsonFromAnotherSpaceOrMalformedIsRejected()
    {
        var json = Space(4).Decode(RandomValidTokens(Space(4), new Random(3))).ToJson();
        Assert.Contains("fingerprint", Assert.Throws<ArchitectureValidationException>(() => Space(8).FromJson(json)).Message,
            StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArchitectureValidationException>(() => Space(4).FromJson("{ not json"));
        Assert.Throws<ArchitectureValidationException>(() => Space(4).FromJson(json.Replace("\"tanh\"", "\"swish\"")
            .Replace("\"sigmoid\"", "\"swish\"").Replace("\"relu\"", "\"swish\"").Replace("\"identity\"", "\"swish\"")));
    }

    [Fact]
    public void TheDocumentAloneRebuildsItsOwnSpaceModelAroundTheCellIncluded()
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 4, VocabularySize = 321, HiddenSize = 24, EmbeddingSize = 16, Layers = 1 });
        var cell = space.Decode(RandomValidTokens(space, new Random(5)));

        RecurrentCellArchitecture back = RecurrentCellSearchSpace.FromStandaloneJson(cell.ToJson());

        Assert.Equal(space.Fingerprint, back.CellSpace.Fingerprint);
        Assert.Equal(cell.Hash, back.Hash);
        Assert.Equal(cell.ParameterCount, back.ParameterCount);
        // Settings that contradict the document's own fingerprint are refused, not silently trusted.
        string tampered = cell.ToJson().Replace("\"vocabularySize\":321", "\"vocabularySize\":322");
        Assert.Contains("does not match its own settings",
            Assert.Throws<ArchitectureValidationException>(() => RecurrentCellSearchSpace.FromStandaloneJson(tampered)).Message);
    }

    [Fact]
    public void JsonOfACellReadsIntoASpaceWithAnotherModelAroundTheCell()
    {
        var searched = Space(4);
        var cell = searched.Decode(RandomValidTokens(searched, new Random(4)));
        var wholeCorpus = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 4, VocabularySize = 2000, HiddenSize = 100, EmbeddingSize = 100 });
        var read = wholeCorpus.FromJson(cell.ToJson());
        Assert.Equal(cell.Tokens, read.Tokens);
        Assert.NotEqual(cell.ParameterCount, read.ParameterCount); // the vocabulary and sizes are the new space's
        Assert.Equal(searched.CellFingerprint, wholeCorpus.CellFingerprint);
    }

    [Fact]
    public void FingerprintCoversShapeButNotDropout()
    {
        Assert.NotEqual(Space(4).Fingerprint, Space(8).Fingerprint);
        Assert.NotEqual(Space(4).Fingerprint, Space(4, tie: true).Fingerprint);
        var withDropout = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 4, VocabularySize = 1000, Dropout = 0.5 });
        Assert.Equal(Space(4).Fingerprint, withDropout.Fingerprint);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 6 }));
        Assert.Throws<ArgumentException>(() => new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 1 }));
        Assert.Throws<ArgumentException>(() => new RecurrentCellSearchSpace(
            new RecurrentCellSearchSpaceOptions { TieWeights = true, EmbeddingSize = 100, HiddenSize = 200 }));
        Assert.Throws<ArgumentException>(() => new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Dropout = 1 }));
    }
}
