using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Tests.Cnn;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Tests.Objectives;

/// <summary>
/// Measured latency must rank children: the same child timed twice lands on the same side of a child with twice its
/// multiply-adds, timed on one thread as the objective does by default. (On this shared 2-core machine other processes
/// run; the median of the timed runs absorbs them.)
/// </summary>
public sealed class InferenceLatencyTests
{
    private const int Runs = 15;

    private static TrainedChild Untrained(torch.nn.Module network) => new(new TrialResult { MetricName = "accuracy" }, network);

    [Fact]
    public void TheSameCnnTimedTwiceRanksBelowOneWithTwiceItsMultiplyAdds()
    {
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 3, FilterCounts = new[] { 32, 46 } });
        var small = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 32), new CnnLayer(3, 3, 32, 0), new CnnLayer(3, 3, 32, 1) });
        var large = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 46), new CnnLayer(3, 3, 46, 0), new CnnLayer(3, 3, 46, 1) });
        Assert.InRange((double)large.MultiplyAdds / small.MultiplyAdds, 1.9, 2.2);
        using var trainer = new CnnChildTrainer(CnnTestData.Synthetic(4, 32, 1), CnnTestData.Synthetic(4, 32, 2), null, new CnnTrainingOptions { Device = "cpu" });
        using TrainedChild a = Untrained(new ChildCnn(small)), b = Untrained(new ChildCnn(large));

        double first = trainer.MeasureLatencyMilliseconds(a, Runs, threads: 1);
        double larger = trainer.MeasureLatencyMilliseconds(b, Runs, threads: 1);
        double second = trainer.MeasureLatencyMilliseconds(a, Runs, threads: 1);

        Assert.True(first > 0 && second > 0);
        Assert.True(first < larger && second < larger, $"small {first:0.###} ms and {second:0.###} ms, large {larger:0.###} ms");
    }

    [Fact]
    public void TheSameLanguageModelTimedTwiceRanksBelowOneWithTwiceItsMultiplyAdds()
    {
        RecurrentCellArchitecture Lstm(int hidden) => RecurrentCellReferences.Lstm(new RecurrentCellSearchSpace(
            new RecurrentCellSearchSpaceOptions { VocabularySize = 2000, EmbeddingSize = hidden, HiddenSize = hidden, Layers = 2 }))!;
        RecurrentCellArchitecture small = Lstm(100), large = Lstm(160);
        Assert.InRange((double)large.MultiplyAdds / small.MultiplyAdds, 1.9, 2.3);
        var trainer = new LanguageModelChildTrainer(new int[100], new int[100], null, 2000, 0, new LanguageModelTrainingOptions { Device = "cpu" });
        using TrainedChild a = Untrained(WordLanguageModel.CreateSearched(small)), b = Untrained(WordLanguageModel.CreateSearched(large));

        double first = trainer.MeasureLatencyMilliseconds(a, Runs, threads: 1);
        double larger = trainer.MeasureLatencyMilliseconds(b, Runs, threads: 1);
        double second = trainer.MeasureLatencyMilliseconds(a, Runs, threads: 1);

        Assert.True(first < larger && second < larger, $"small {first:0.###} ms and {second:0.###} ms, large {larger:0.###} ms");
    }

    [Fact]
    public void AFailedChildHasNoNetworkToTimeAndSaysSo()
    {
        var trainer = new LanguageModelChildTrainer(new int[100], new int[100], null, 50, 0);
        using var failed = new TrainedChild(new TrialResult { MetricName = "perplexity", Failed = true }, null);
        Assert.Contains("no trained language model", Assert.Throws<ArgumentException>(() => trainer.MeasureLatencyMilliseconds(failed, 3, threads: 1)).Message);
    }
}
