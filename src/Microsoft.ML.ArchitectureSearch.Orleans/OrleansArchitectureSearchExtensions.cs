using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;
using Microsoft.ML.ArchitectureSearch.Orleans.Worker;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Microsoft.ML;

/// <summary>
/// Architecture search on a Microsoft Orleans cluster: <see cref="AddArchitectureSearchWorker"/> makes a silo a worker
/// that trains children; <see cref="UseOrleansCluster"/> makes a search send its children to the cluster's workers.
/// </summary>
public static class OrleansArchitectureSearchExtensions
{
    /// <summary>
    /// Trains this search's children on the workers of the cluster <paramref name="client"/> is connected to, instead
    /// of in the process calling Fit. <see cref="ArchitectureSearchOptions.Parallelism"/> becomes the number of children
    /// in flight at once (give it the workers' total <see cref="ArchitectureSearchWorkerOptions.ConcurrentChildren"/>).
    /// The data go to each worker once; a worker that leaves has its children sent to others; results equal a local
    /// search with the same seed when workers use the same threads per child. Image classification only for now.
    /// </summary>
    /// <param name="options">The search's options (returned, for chaining).</param>
    /// <param name="client">A started Orleans client (or a co-hosted silo's <see cref="IClusterClient"/>).</param>
    /// <param name="trialOptions">How children and data are dispatched; null: defaults.</param>
    public static ArchitectureSearchOptions UseOrleansCluster(this ArchitectureSearchOptions options, IClusterClient client, OrleansTrialOptions? trialOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        trialOptions = (trialOptions ?? new OrleansTrialOptions()).Clone();
        trialOptions.Validate();
        options.TrainingSite = new OrleansTrainingSite(client, trialOptions);
        return options;
    }

    /// <summary>Makes this silo an architecture-search worker: it trains the children coordinators send to it.</summary>
    /// <param name="builder">The silo being built.</param>
    /// <param name="configure">Sets the worker's options (children at once, threads per child, data cache).</param>
    public static ISiloBuilder AddArchitectureSearchWorker(this ISiloBuilder builder, Action<ArchitectureSearchWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ArchitectureSearchWorkerOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Services.AddSingleton(sp => new WorkerRuntime(options, sp.GetRequiredService<ILocalSiloDetails>(), sp.GetRequiredService<ILogger<WorkerRuntime>>()));
        return builder;
    }
}
