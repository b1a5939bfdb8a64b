using Microsoft.Data.Analysis;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>A search whose children train on a two-silo Orleans cluster, against the same search trained in this process.</summary>
[Collection(RunsAloneCollection.Name)]
public sealed class TwoSiloSearchTests(OrleansTestCluster cluster) : IClassFixture<OrleansTestCluster>
{
    private static readonly CifarImage[] Images = PipelineTestData.ReadCifar("data_batch_1.bin", 160);

    /// <summary>Four children of a tiny 2-layer CNN space (no dropout), one epoch each on CIFAR-10 test images.</summary>
    internal static ArchitectureSearchOptions Options()
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.Strategy = SearchStrategy.Random;
        options.MaxTrials = 4;
        options.FinalEpochs = 1;
        options.Seed = 11;
        options.InitialArchitectures = Array.Empty<string>();
        options.ConvolutionalSpace = new() { LayerCount = 2, FilterCounts = new[] { 4, 8 }, FilterHeights = new[] { 1, 3 }, FilterWidths = new[] { 1, 3 } };
        return options;
    }

    internal static ArchitectureSearchTransformer Fit(ArchitectureSearchOptions options, MLContext? ml = null)
    {
        ml ??= new MLContext(seed: 1);
        return ml.Transforms.ArchitectureSearch(options).Fit(PipelineTestData.Keyed(ml, Images));
    }

    /// <summary>Every trial's architecture, seed and exact metrics (bits), so any numeric difference shows.</summary>
    internal static string[] Exactly(IEnumerable<TrialRecord> trials) => trials.Select(t =>
        $"{t.Index} {t.Kind} {t.Hash} seed {t.Seed} reward {BitConverter.DoubleToInt64Bits(t.Reward)} " +
        $"valid [{string.Join(",", t.Result.ValidationMetricPerEpoch.Select(BitConverter.DoubleToInt64Bits))}] " +
        $"loss [{string.Join(",", t.Result.TrainLossPerEpoch.Select(BitConverter.DoubleToInt64Bits))}]").ToArray();

    [Fact]
    public void ChildrenTrainedOnTwoSilosGiveExactlyTheLocalSearchsTrialsAndWinnerAndHistoryAndReportNameTheirWorkers()
    {
        (ArchitectureSearchTransformer local, ArchitectureSearchTransformer distributed) = OrleansTestCluster.WithOneThread(() =>
        {
            ArchitectureSearchTransformer here = Fit(Options());
            ArchitectureSearchOptions remote = Options().UseOrleansCluster(cluster.Cluster.Client);
            remote.Parallelism = 2;
            return (here, Fit(remote));
        });

        Assert.Equal(4, local.Trials.Count(t => t.Kind == TrialKind.Trained));
        Assert.Equal(Exactly(local.Trials), Exactly(distributed.Trials));
        Assert.Equal(local.Architecture.Hash, distributed.Architecture.Hash);
        Assert.All(local.Trials, t => Assert.Null(t.Worker));
        string[] workers = distributed.Trials.Where(t => t.Kind == TrialKind.Trained).Select(t => t.Worker!).Distinct().Order().ToArray();
        Assert.Equal(cluster.Cluster.Silos.Select(s => s.Name).Order(), workers);
        Assert.Equal(distributed.Trials.Select(t => t.Worker ?? ""), ((StringDataFrameColumn)distributed.History["Worker"]).ToArray());

        string dir = Path.Combine(Path.GetTempPath(), "archsearch-orleans-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            string summary = File.ReadAllText(distributed.WriteReport(dir).Summary);
            Assert.Contains("| seconds | worker | architecture |", summary);
            TrialRecord best = distributed.Trials.Where(t => t.Kind == TrialKind.Trained).MaxBy(t => t.Reward)!;
            Assert.Contains($" | {best.Worker} | `{best.Description}` |", summary);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
