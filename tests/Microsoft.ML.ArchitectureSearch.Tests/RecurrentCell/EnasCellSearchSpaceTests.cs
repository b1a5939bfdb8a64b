using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell.References;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>The ENAS DAG-cell space: decisions, validation, JSON, references and parameter counts.</summary>
public sealed class EnasCellSearchSpaceTests
{
    internal static EnasCellSearchSpace Space(int nodes, int hidden = 16, bool tie = false, int layers = 2) => new(new RecurrentCellSearchSpaceOptions
    {
        Cell = RecurrentCellKind.EnasDag, Nodes = nodes, EmbeddingSize = hidden, HiddenSize = hidden, VocabularySize = 50, Layers = layers, TieWeights = tie,
    });

    [Fact]
    public void StepsAreNodeZerosActivationThenPreviousAndActivationOfEveryLaterNode()
    {
        EnasCellSearchSpace space = Space(4);
        Assert.Equal(new[] { "node0.activation", "node1.previous", "node1.activation", "node2.previous", "node2.activation", "node3.previous", "node3.activation" },
            space.Steps.Select(s => s.Name));
        Assert.Equal(new[] { 4, 1, 4, 2, 4, 3, 4 }, space.Steps.Select(s => s.ChoiceCount));
        Assert.All(space.Steps, s => Assert.Equal(DecisionKind.Choice, s.Kind));
    }

    [Fact]
    public void JsonRoundTripKeepsTokensHashAndLooseEnds()
    {
        EnasCellSearchSpace space = Space(5);
        var random = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            int[] tokens = space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
            EnasCellArchitecture cell = space.DecodeCell(tokens);
            string json = cell.ToJson();

            var again = (EnasCellArchitecture)space.FromJson(json);
            Assert.Equal(tokens, again.Tokens);
            Assert.Equal(cell.Hash, again.Hash);
            Assert.Equal(cell.LooseEnds, again.LooseEnds);
            // A saved model reads the document into the space its own settings describe.
            var standalone = Assert.IsType<EnasCellArchitecture>(LanguageModelSpaces.FromStandaloneJson(json));
            Assert.Equal(cell.Hash, standalone.Hash);
        }
    }

    [Fact]
    public void LooseEndsAreTheNodesNoOtherNodeReads()
    {
        // Node 1 and node 2 read node 0, node 3 reads node 1: nodes 2 and 3 are read by nobody.
        EnasCellArchitecture cell = Space(4).DecodeCell(new[] { 1, 0, 2, 0, 3, 1, 0 });
        Assert.Equal(new[] { 2, 3 }, cell.LooseEnds);
        Assert.Equal(new[] { -1, 0, 0, 1 }, cell.Nodes.Select(n => n.Previous));
        Assert.Equal(new[] { CellActivation.Tanh, CellActivation.Sigmoid, CellActivation.Relu, CellActivation.Identity }, cell.Nodes.Select(n => n.Activation));
    }

    [Fact]
    public void InvalidCellsAreRejectedNamingTheProblem()
    {
        EnasCellSearchSpace space = Space(3);
        var tooEarly = Assert.Throws<ArchitectureValidationException>(() => space.DecodeCell(new[] { 0, 0, 0, 2, 0 }));
        Assert.Contains("node2.previous", tooEarly.Message);
        var later = Assert.Throws<ArchitectureValidationException>(() => new EnasCellArchitecture(space, new[]
        {
            new EnasCellNode(EnasCellNode.FirstNodeInput, CellActivation.Tanh), new EnasCellNode(2, CellActivation.Tanh), new EnasCellNode(0, CellActivation.Tanh),
        }));
        Assert.Contains("Node 1 reads node 2", later.Message);
        var firstReads = Assert.Throws<ArchitectureValidationException>(() => new EnasCellArchitecture(space, new[]
        {
            new EnasCellNode(0, CellActivation.Tanh), new EnasCellNode(0, CellActivation.Tanh), new EnasCellNode(0, CellActivation.Tanh),
        }));
        Assert.Contains("Node 0 reads x_t and h_(t-1)", firstReads.Message);
        var narrow = new EnasCellSearchSpace(space.Options with { Activations = new[] { CellActivation.Tanh } });
        var notOffered = Assert.Throws<ArchitectureValidationException>(() => new EnasCellArchitecture(narrow, new[]
        {
            new EnasCellNode(EnasCellNode.FirstNodeInput, CellActivation.Relu), new EnasCellNode(0, CellActivation.Tanh), new EnasCellNode(0, CellActivation.Tanh),
        }));
        Assert.Contains("'Relu' at node 0 is not offered", notOffered.Message);
        string json = space.DecodeCell(new[] { 0, 0, 0, 1, 0 }).ToJson();
        var otherSpace = Assert.Throws<ArchitectureValidationException>(() => Space(4).FromJson(json));
        Assert.Contains("whose cell differs", otherSpace.Message);
        Assert.Throws<ArgumentException>(() => new RecurrentCellSearchSpaceOptions { Cell = RecurrentCellKind.EnasDag, Nodes = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new EnasCellSearchSpace(new RecurrentCellSearchSpaceOptions()));
    }

    [Fact]
    public void TheTwelveNodeSpaceHoldsEnassPtbCellAndTheTanhChain()
    {
        EnasCellSearchSpace space = Space(EnasCellReferences.PtbCellNodes);
        Assert.Equal(new[] { "tanh chain", "ENAS PTB cell" }, space.References.Select(r => r.Name));
        var ptb = (EnasCellArchitecture)space.References[1].Architecture;
        Assert.Equal(new[] { 3, 4, 7, 9, 10, 11 }, ptb.LooseEnds);
        var chain = (EnasCellArchitecture)space.References[0].Architecture;
        Assert.Equal(new[] { 11 }, chain.LooseEnds);
        Assert.All(chain.Nodes, n => Assert.Equal(CellActivation.Tanh, n.Activation));

        // Smaller spaces do not hold the 12-node cell; the chain exists in every space offering tanh.
        Assert.Equal(new[] { "tanh chain" }, Space(3).References.Select(r => r.Name));
    }

    [Theory]
    [InlineData(1, false, 1)]
    [InlineData(4, false, 2)]
    [InlineData(5, true, 2)]
    public void ParameterCountEqualsTheBuiltNetworks(int nodes, bool tie, int layers)
    {
        EnasCellSearchSpace space = Space(nodes, hidden: 12, tie: tie, layers: layers);
        var random = new Random(nodes);
        EnasCellArchitecture cell = space.DecodeCell(space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray());
        using WordLanguageModel model = LanguageModelNetworks.Create(cell);
        Assert.Equal(model.ParameterCount, cell.ParameterCount);
    }
}
