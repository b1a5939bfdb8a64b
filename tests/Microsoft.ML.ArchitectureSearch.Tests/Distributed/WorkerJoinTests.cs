using Microsoft.ML.ArchitectureSearch.Execution;
using Orleans.TestingHost;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>A worker silo that joins the cluster while a search runs is given children.</summary>
[Collection(RunsAloneCollection.Name)]
public sealed class WorkerJoinTests
{
    /// <summary>After the first batch's report, starts a second silo and waits for it to be up before the search goes on.</summary>
    private sealed class StartSiloAfterFirstBatch(TestCluster cluster) : IProgress<SearchProgress>
    {
        public string? Joined { get; private set; }

        public void Report(SearchProgress value)
        {
            if (Joined != null) return;
            SiloHandle silo = cluster.StartAdditionalSiloAsync().GetAwaiter().GetResult();
            Joined = silo.Name;
            // The search reads membership every 100 ms; give it a few rounds to describe the new worker.
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task ASiloStartedMidSearchTrainsChildrenOfTheLaterBatches()
    {
        string cacheRoot = Directory.CreateTempSubdirectory("archsearch-orleans-join-").FullName;
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<OrleansTestCluster.WorkerSilo>();
        builder.Properties[OrleansTestCluster.CacheRootKey] = cacheRoot;
        await using TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var joiner = new StartSiloAfterFirstBatch(cluster);
            ArchitectureSearchOptions options = TwoSiloSearchTests.Options().UseOrleansCluster(cluster.Client,
                new OrleansTrialOptions { MembershipRefreshInterval = TimeSpan.FromMilliseconds(100) });
            options.Parallelism = 2;
            options.Progress = joiner;

            ArchitectureSearchTransformer model = TwoSiloSearchTests.Fit(options);

            TrialRecord[] trained = model.Trials.Where(t => t.Kind == TrialKind.Trained).ToArray();
            Assert.Equal(4, trained.Length);
            Assert.All(trained.Take(2), t => Assert.Equal(cluster.Primary!.Name, t.Worker));
            Assert.Contains(trained.Skip(2), t => t.Worker == joiner.Joined);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            Directory.Delete(cacheRoot, recursive: true);
        }
    }
}
