using Microsoft.ML.ArchitectureSearch.Execution;
using Orleans.TestingHost;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>A worker silo that joins the cluster while a search runs is given children.</summary>
[Collection(RunsAloneCollection.Name)]
public sealed class WorkerJoinTests
{
    /// <summary>
    /// At the first report (the first child finished, the second training on the primary's only slot), starts a second
    /// silo and holds the search until its coordinator has taken the silo as a worker (its log says so), so the children
    /// that start after this report can go to it.
    /// </summary>
    private sealed class StartSiloAfterFirstChild(TestCluster cluster, List<string> searchLog) : IProgress<SearchProgress>
    {
        public string? Joined { get; private set; }

        public void Report(SearchProgress value)
        {
            if (Joined != null) return;
            SiloHandle silo = cluster.StartAdditionalSiloAsync().GetAwaiter().GetResult();
            Joined = silo.Name;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!Logged($"Worker {Joined} joined"))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException($"The search did not take silo {Joined} as a worker within 60 s.");
                Thread.Sleep(50);
            }
        }

        private bool Logged(string text)
        {
            lock (searchLog) return searchLog.Any(m => m.Contains(text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ASiloStartedMidSearchTrainsLaterChildren()
    {
        string cacheRoot = Directory.CreateTempSubdirectory("archsearch-orleans-join-").FullName;
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<OrleansTestCluster.WorkerSilo>();
        builder.Properties[OrleansTestCluster.CacheRootKey] = cacheRoot;
        await using TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var ml = new MLContext(seed: 1);
            var searchLog = new List<string>();
            ml.Log += (_, e) => { lock (searchLog) searchLog.Add(e.Message); };
            var joiner = new StartSiloAfterFirstChild(cluster, searchLog);
            ArchitectureSearchOptions options = TwoSiloSearchTests.Options().UseOrleansCluster(cluster.Client,
                new OrleansTrialOptions { MembershipRefreshInterval = TimeSpan.FromMilliseconds(100) });
            options.Parallelism = 2;
            options.Progress = joiner;

            ArchitectureSearchTransformer model = TwoSiloSearchTests.Fit(options, ml);

            TrialRecord[] trained = model.Trials.Where(t => t.Kind == TrialKind.Trained).ToArray();
            Assert.Equal(4, trained.Length);
            Assert.All(trained.Take(2), t => Assert.Equal(cluster.Primary!.Name, t.Worker));
            // Once failed under heavy load with both later children on the primary (not reproduced alone): the search's
            // log then says whether the joined worker was dropped (a timed-out call) or never chosen.
            string log;
            lock (searchLog) log = string.Join(Environment.NewLine, searchLog);
            Assert.True(trained.Skip(2).Any(t => t.Worker == joiner.Joined),
                $"No child after the join went to {joiner.Joined}; workers {string.Join(", ", trained.Select(t => t.Worker))}. The search's log:{Environment.NewLine}{log}");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            Directory.Delete(cacheRoot, recursive: true);
        }
    }
}
