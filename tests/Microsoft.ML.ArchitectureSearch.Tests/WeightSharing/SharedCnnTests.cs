using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Randomness;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.WeightSharing;

public class SharedCnnTests
{
    public static TheoryData<string> Spaces => new() { "plain", "strides-and-pooling", "reductions", "operations" };

    private static readonly CnnOperation[] AllOperations =
        { CnnOperation.Convolution, CnnOperation.SeparableConvolution, CnnOperation.MaxPool3x3, CnnOperation.AvgPool3x3 };

    private static CnnSearchSpace Space(string name) => new(name switch
    {
        "plain" => new CnnSearchSpaceOptions { LayerCount = 4, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 4, 6 }, InputHeight = 8, InputWidth = 8, ClassCount = 5 },
        "strides-and-pooling" => new CnnSearchSpaceOptions
        {
            LayerCount = 4, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 1, 3 }, FilterCounts = new[] { 3, 5 }, InputHeight = 9, InputWidth = 9,
            SearchStrides = true, Strides = new[] { 1, 2 }, SearchPooling = true, GlobalPooling = CnnGlobalPooling.Max, LogitScale = 0.5,
        },
        "reductions" => new CnnSearchSpaceOptions
        {
            LayerCount = 5, FilterHeights = new[] { 3, 5 }, FilterWidths = new[] { 3, 5 }, ReductionAfterLayers = new[] { 1, 3 },
            StageFilterCounts = new IReadOnlyList<int>[] { new[] { 4 }, new[] { 6, 8 }, new[] { 8, 10 } }, InputHeight = 8, InputWidth = 8,
            Activation = CnnActivation.GELU,
        },
        // ENAS's operations with strides, searched pooling, a reduction and asymmetric kernels.
        "operations" => new CnnSearchSpaceOptions
        {
            LayerCount = 5, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 3, 5 }, FilterCounts = new[] { 3, 5 }, InputHeight = 9, InputWidth = 9,
            SearchStrides = true, Strides = new[] { 1, 2 }, SearchPooling = true, ReductionAfterLayers = new[] { 2 }, Operations = AllOperations,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    });

    [Theory]
    [MemberData(nameof(Spaces))]
    public void SubGraphOfEverySampledChildComputesWhatItsStandAloneNetworkComputesWithTheSameWeights(string spaceName)
    {
        CnnSearchSpace space = Space(spaceName);
        using var generator = new Generator(11);
        using var shared = new SharedCnn(space, generator);
        shared.train();
        var random = new Xoshiro256(5);
        for (int sample = 0; sample < 8; sample++)
            AssertSubGraphMatchesStandAlone(shared, space.Decode(RandomStrategy.UniformTokens(space, random)), generator);
    }

    public static TheoryData<CnnOperation> Operations => new(AllOperations);

    [Theory]
    [MemberData(nameof(Operations))]
    public void SubGraphOfAChildUsingOneOperationInEveryLayerComputesWhatItsStandAloneNetworkComputes(CnnOperation operation)
    {
        CnnSearchSpace space = Space("operations");
        using var generator = new Generator(13);
        using var shared = new SharedCnn(space, generator);
        shared.train();
        var random = new Xoshiro256(7);
        for (int sample = 0; sample < 3; sample++)
        {
            CnnArchitecture child = WithOperation(space, RandomStrategy.UniformTokens(space, random), operation);
            Assert.All(child.Layers, l => Assert.Equal(operation, l.Operation));
            AssertSubGraphMatchesStandAlone(shared, child, generator);
        }
    }

    /// <summary>The child of <paramref name="tokens"/> with every layer's operation token set to <paramref name="operation"/>.</summary>
    private static CnnArchitecture WithOperation(CnnSearchSpace space, int[] tokens, CnnOperation operation)
    {
        for (int k = 0; k < space.Steps.Count; k++)
            if (space.Steps[k].Name.EndsWith(".operation", StringComparison.Ordinal))
                tokens[k] = Array.IndexOf(AllOperations, operation);
        return space.Decode(tokens);
    }

    private static void AssertSubGraphMatchesStandAlone(SharedCnn shared, CnnArchitecture child, Generator generator)
    {
        CnnSearchSpaceOptions o = shared.Space.Options;
        using var scope = NewDisposeScope();
        Tensor images = rand(new long[] { 6, o.InputChannels, o.InputHeight, o.InputWidth }, generator: generator);
        using ChildCnn alone = shared.ExtractChild(child);
        alone.train(); // batch statistics, as the shared network normalises
        Tensor expected = alone.forward(images);
        Tensor actual = shared.forward(images, child);
        Assert.Equal(expected.shape, actual.shape);
        double difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"{child.Describe()}: largest difference {difference}");
    }

    [Fact]
    public void ATrainingStepThroughAChildOfPoolingAndSeparableLayersChangesOnlyTheirBranches()
    {
        CnnSearchSpace space = Space("operations");
        // Tokens all 0 (1x3 kernels, 3 filters, stride 1, no pooling, no skips), then layers 0-2 average-pool and 3-4 are
        // separable: only the average-pooling branch (the second pooling branch) of layers 0-2 and separable branch 0 of 3-4 train.
        int[] tokens = new int[space.Steps.Count];
        for (int i = 0; i < space.Options.LayerCount; i++)
            tokens[space.FirstStepOfLayer(i) + 3] = Array.IndexOf(AllOperations, i < 3 ? CnnOperation.AvgPool3x3 : CnnOperation.SeparableConvolution);
        AssertTrainingChangesExactlyTheUsedParameters(space, space.Decode(tokens), name =>
            !name.StartsWith("layers.", StringComparison.Ordinal)
            || (int.Parse(name.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture) < 3
                ? name.Contains(".pooling.1.", StringComparison.Ordinal)
                : name.Contains(".separable.0.", StringComparison.Ordinal)));
    }

    [Fact]
    public void ATrainingStepThroughOneChildLeavesTheWeightsOfUnusedKernelsUnchanged()
    {
        CnnSearchSpace space = Space("plain");
        // Every layer uses kernel 1x3 (height token 0, width token 0), so the other three kernel banks are unused.
        AssertTrainingChangesExactlyTheUsedParameters(space, space.Decode(space.Steps.Select(_ => 0).ToArray()),
            name => name.StartsWith("layers.", StringComparison.Ordinal) ? name.Contains(".branches.0.", StringComparison.Ordinal) : true);
    }

    /// <summary>Two SGD steps (momentum, weight decay) through <paramref name="child"/> change exactly the parameters <paramref name="used"/> names.</summary>
    private static void AssertTrainingChangesExactlyTheUsedParameters(CnnSearchSpace space, CnnArchitecture child, Func<string, bool> used)
    {
        using var generator = new Generator(3);
        using var shared = new SharedCnn(space, generator);
        shared.train();
        CnnSearchSpaceOptions o = space.Options;
        var before = shared.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = optim.SGD(shared.parameters(), 0.1, 0.9, weight_decay: 5e-4, nesterov: true);
        for (int step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            Tensor loss = nn.functional.cross_entropy(shared.forward(rand(new long[] { 4, o.InputChannels, o.InputHeight, o.InputWidth }, generator: generator), child),
                tensor(new long[] { 0, 1, 2, 3 }));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        foreach (var (name, parameter) in shared.named_parameters())
        {
            bool changed = !parameter.detach().eq(before[name]).all().item<bool>();
            Assert.True(used(name) == changed, $"{name}: used {used(name)}, changed {changed}");
        }
    }
}
