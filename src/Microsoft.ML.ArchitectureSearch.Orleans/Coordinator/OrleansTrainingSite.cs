using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Orleans;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;

/// <summary>The training site <c>UseOrleansCluster</c> installs: each search opens its own dispatcher over the cluster.</summary>
internal sealed class OrleansTrainingSite(IClusterClient client, OrleansTrialOptions options) : IChildTrainingSite
{
    public IRemoteChildTrainer Open(ChildWorkload workload, ISearchLog log) => new OrleansChildTrainer(new WorkerPool(client, options, workload, log), workload);
}
