using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

namespace Microsoft.ML.ArchitectureSearch.Tests.Strategies;

public class StrategyStateFormatTests
{
    public static TheoryData<SearchStrategy> Kinds => new() { SearchStrategy.Reinforce, SearchStrategy.Random, SearchStrategy.Evolution };

    private static ISearchStrategy Create(SearchStrategy kind, int seed, ControllerOptions? controller = null) =>
        SearchStrategies.Create(kind, new LayeredSpace(), seed,
            new ReinforceOptions { ChildrenPerUpdate = 3, LearningRate = 0.01, Controller = controller ?? new ControllerOptions() },
            new EvolutionOptions { PopulationSize = 8, SampleSize = 3 });

    /// <summary>A state saved after a few updates, so the controller's Adam moments and step counts are not zero.</summary>
    private static byte[] SavedAfterLearning(SearchStrategy kind)
    {
        using ISearchStrategy s = Create(kind, 42);
        int[] target = TargetMatching.Target(s.Space, 9);
        for (int b = 0; b < 5; b++)
        {
            var proposed = s.Propose(2);
            s.Learn(proposed.Select(t => new TrialFeedback(t, TargetMatching.Reward(t, target))).ToArray());
        }
        using var saved = new MemoryStream();
        s.SaveState(saved);
        return saved.ToArray();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ALoadedStateSavesAgainByteForByte(SearchStrategy kind)
    {
        // Everything the stream holds (for Reinforce: the controller's weights and Adam's moments and step counts) is
        // restored by LoadState, or the second save would differ.
        byte[] saved = SavedAfterLearning(kind);
        using ISearchStrategy loaded = Create(kind, 7);
        loaded.LoadState(new MemoryStream(saved));
        using var again = new MemoryStream();
        loaded.SaveState(again);
        Assert.Equal(saved, again.ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AStateOfAnotherFormatVersionIsRefusedWithAClearMessage(SearchStrategy kind)
    {
        byte[] bytes = SavedAfterLearning(kind);
        // The header is the signature string (one length byte and 12 characters), then the format version.
        BitConverter.TryWriteBytes(bytes.AsSpan(13, 4), 1);
        using ISearchStrategy fresh = Create(kind, 7);
        var error = Assert.Throws<InvalidDataException>(() => fresh.LoadState(new MemoryStream(bytes)));
        Assert.Contains("format version 1", error.Message);
        Assert.Contains("cannot resume", error.Message);
    }

    [Fact]
    public void AControllerOfAnotherShapeIsRefused()
    {
        byte[] bytes = SavedAfterLearning(SearchStrategy.Reinforce);
        using ISearchStrategy smaller = Create(SearchStrategy.Reinforce, 7, new ControllerOptions { HiddenSize = 20 });
        var error = Assert.Throws<InvalidDataException>(() => smaller.LoadState(new MemoryStream(bytes)));
        Assert.Contains("does not fit this controller", error.Message);
    }
}
