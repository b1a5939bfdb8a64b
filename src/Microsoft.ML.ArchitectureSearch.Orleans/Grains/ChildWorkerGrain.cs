using Microsoft.ML.ArchitectureSearch.Orleans.Worker;
using Orleans;
using Orleans.Concurrency;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Grains;

/// <summary>
/// The worker grain: a thin front of the silo's <see cref="WorkerRuntime"/>. Training runs on the default task
/// scheduler (a thread-pool thread per child), never on Orleans' scheduler: the grain's turn only awaits it, so the
/// silo keeps answering membership probes and other calls while children train.
/// </summary>
[Reentrant]
internal sealed class ChildWorkerGrain(WorkerRuntime runtime) : Grain, IChildWorkerGrain
{
    public Task<WorkerDescription> Describe() => Task.FromResult(new WorkerDescription(runtime.Name, runtime.ConcurrentChildren));

    public Task<bool> HasData(string fingerprint) => Task.Run(() => runtime.Data.Has(fingerprint));

    public Task AppendData(string fingerprint, long offset, byte[] chunk) => Task.Run(() => runtime.Data.Append(fingerprint, offset, chunk));

    public Task CommitData(string fingerprint, long length) => Task.Run(() => runtime.Data.Commit(fingerprint, length));

    public Task<ChildReply> Train(ChildRequest request, CancellationToken cancellationToken) => runtime.Children.Run(request, cancellationToken);

    public Task<bool> Holds(ChildRequest request) => Task.FromResult(runtime.Children.Holds(request));
}
