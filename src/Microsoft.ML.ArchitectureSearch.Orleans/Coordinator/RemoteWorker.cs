using Microsoft.ML.ArchitectureSearch.Orleans.Grains;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;

/// <summary>One worker silo as the coordinator tracks it: its grain, capacity, free slots, data state and departure.</summary>
internal sealed class RemoteWorker(IChildWorkerGrain grain, SiloAddress silo)
{
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _dataGate = new();
    private Task? _dataReady;

    public SiloAddress Silo { get; } = silo;

    public string Name { get; private set; } = silo.ToString();

    public DateTime Joined { get; } = DateTime.UtcNow;

    /// <summary>Slots not holding a child; changed under the pool's lock.</summary>
    public int FreeSlots { get; set; }

    /// <summary>When the pool last gave this worker a child (the pool's count of children given; 0: never); under the pool's lock.</summary>
    public long LastGiven { get; set; }

    /// <summary>Completes when the worker has left the cluster (or a call showed it unreachable).</summary>
    public Task Left => _left.Task;

    public void Describe(WorkerDescription description)
    {
        Name = description.Name;
        FreeSlots = description.ConcurrentChildren;
    }

    /// <summary>True the first time: the worker is marked gone.</summary>
    public bool Leave() => _left.TrySetResult();

    /// <summary>
    /// Calls the worker's grain with a placement hint naming its silo: the first call activates the grain there, so the
    /// grain keyed by a silo's address runs on that silo.
    /// </summary>
    public Task<T> Call<T>(Func<IChildWorkerGrain, Task<T>> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, Silo);
        try
        {
            return call(grain);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <inheritdoc cref="Call{T}"/>
    public Task Call(Func<IChildWorkerGrain, Task> call) => Call(async g => { await call(g); return true; });

    /// <summary>Runs <paramref name="ship"/> once per worker (its children wait for it); a failed shipment is tried again by the next child.</summary>
    public Task DataReady(Func<Task> ship)
    {
        lock (_dataGate)
        {
            if (_dataReady is null || _dataReady.IsFaulted || _dataReady.IsCanceled)
                _dataReady = ship();
            return _dataReady;
        }
    }
}
