using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>
/// An in-process Orleans cluster of two worker silos (Orleans' TestingHost), each training one child at a time with a
/// data cache of its own under a fresh folder. Its silos train each child with one libtorch thread, set on the training
/// thread (as the local search's children are when the test sets its thread's count to 1): whatever count earlier tests
/// left to new threads, both sides then train alike.
/// </summary>
public sealed class OrleansTestCluster : IAsyncLifetime
{
    internal const string CacheRootKey = "ArchitectureSearchTests:CacheRoot";

    public TestCluster Cluster { get; private set; } = null!;

    public string CacheRoot { get; } = Directory.CreateTempSubdirectory("archsearch-orleans-tests-").FullName;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.Properties[CacheRootKey] = CacheRoot;
        builder.AddSiloBuilderConfigurator<WorkerSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(CacheRoot, recursive: true);
    }

    /// <summary>Runs <paramref name="action"/> with libtorch on one intra-op thread, then restores the process's count.</summary>
    public static T WithOneThread<T>(Func<T> action)
    {
        int previous = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            return action();
        }
        finally
        {
            torch.set_num_threads(previous);
        }
    }

    /// <summary>A worker silo training with one thread per child, its cache in a new folder under the cluster's <see cref="CacheRootKey"/>.</summary>
    internal sealed class WorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddArchitectureSearchWorker(o =>
        {
            o.ThreadsPerChild = 1;
            o.CacheDirectory = Path.Combine(siloBuilder.Configuration[CacheRootKey]!, Guid.NewGuid().ToString("N"));
        });
    }
}
