using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Orleans.Grains;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;

/// <summary>
/// The cluster's workers as one search sees them: membership read every <see cref="OrleansTrialOptions.MembershipRefreshInterval"/>
/// (a silo that joins becomes a worker; one Orleans declares dead has its children sent elsewhere), a free-slot count
/// per worker, and the data shipped to each worker before its first child.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly IClusterClient _client;
    private readonly OrleansTrialOptions _options;
    private readonly ChildWorkload _workload;
    private readonly ISearchLog _log;
    private readonly DataShipment _data;
    private readonly object _gate = new();
    private readonly Dictionary<SiloAddress, RemoteWorker> _workers = new();
    private readonly HashSet<SiloAddress> _notWorkers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _membership;
    /// <summary>Children given to workers so far (under <c>_gate</c>): the clock of <see cref="RemoteWorker.LastGiven"/>.</summary>
    private long _given;
    private TaskCompletionSource _changed = NewSignal();

    // Set once membership was read the first time and the silos then active were asked whether they are workers: no child
    // is sent before, so one that a worker already holds (a resumed search) finds that worker.
    private readonly TaskCompletionSource _firstRead = NewSignal();

    private static readonly TimeSpan MembershipReadTimeout = TimeSpan.FromSeconds(5);

    public WorkerPool(IClusterClient client, OrleansTrialOptions options, ChildWorkload workload, ISearchLog log)
    {
        (_client, _options, _workload, _log) = (client, options, workload, log);
        _data = new DataShipment(workload, options);
        _membership = Task.Run(WatchMembershipAsync);
    }

    /// <summary>
    /// Trains the child on a free worker and returns its reply; when the worker leaves the cluster (or the call to it
    /// is lost) the child goes to another worker, up to <see cref="OrleansTrialOptions.MaxDispatchesPerChild"/> times.
    /// </summary>
    public async Task<ChildReply> TrainAsync(ChildRequest request, string description, CancellationToken cancellationToken)
    {
        request = request with { DataPath = _data.SharedPath };
        await _firstRead.Task.WaitAsync(cancellationToken);
        for (int dispatch = 1; ; dispatch++)
        {
            RemoteWorker? holder = await FindHolderAsync(request);
            if (holder != null)
                _log.Info($"Worker {holder.Name} is training or trained this child already (for a coordinator that stopped); its result is reused: {description}");
            RemoteWorker worker = await AcquireAsync(holder, cancellationToken);
            try
            {
                await worker.DataReady(() => _data.ShipAsync(worker, _log, cancellationToken));
                Task<ChildReply> call = worker.Call(g => g.Train(request, cancellationToken));
                if (await Task.WhenAny(call, worker.Left) == call)
                    return await call;
                _ = call.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted); // lost with the worker
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (worker.Left.IsCompleted || IsLostWorker(e)))
            {
                MarkGone(worker, e.GetType().Name + ": " + e.Message);
            }
            finally
            {
                Release(worker);
            }
            if (dispatch >= _options.MaxDispatchesPerChild)
                throw new InvalidOperationException(
                    $"A child was sent to {dispatch} workers that all left the cluster before it finished ({description}); giving up (OrleansTrialOptions.MaxDispatchesPerChild).");
            _log.Warning($"Worker {worker.Name} left the cluster while training a child; sending it to another worker: {description}");
        }
    }

    /// <summary>Errors that mean the worker (or the way to it) is gone rather than that the child cannot train.</summary>
    private static bool IsLostWorker(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or ConnectionFailedException;

    /// <summary>
    /// A worker that is training or has trained this very request (sent by an earlier coordinator of a resumed search),
    /// or null. Workers that do not answer within <see cref="HolderQueryTimeout"/> count as not holding it.
    /// </summary>
    private async Task<RemoteWorker?> FindHolderAsync(ChildRequest request)
    {
        RemoteWorker[] live;
        lock (_gate) live = _workers.Values.Where(w => !w.Left.IsCompleted).ToArray();
        Task<bool>[] asks = live.Select(w => w.Call(g => g.Holds(request)).WaitAsync(HolderQueryTimeout)).ToArray();
        try
        {
            await Task.WhenAll(asks);
        }
        catch (Exception)
        {
            // A worker that cannot say is not the holder; the child goes to any worker as usual.
        }
        int index = Array.FindIndex(asks, a => a.IsCompletedSuccessfully && a.Result);
        return index < 0 ? null : live[index];
    }

    private static readonly TimeSpan HolderQueryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A free slot: on <paramref name="preferred"/> when it has one, else on the worker with most free slots and, among
    /// those, the one given a child least recently. Children that train faster than they are dispatched rarely overlap;
    /// without that tie-break every one of them would go to the oldest worker and a worker that joined would stay idle.
    /// </summary>
    private async Task<RemoteWorker> AcquireAsync(RemoteWorker? preferred, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                RemoteWorker? free = preferred is { FreeSlots: > 0, Left.IsCompleted: false } ? preferred : _workers.Values.Where(w => !w.Left.IsCompleted && w.FreeSlots > 0)
                    .OrderByDescending(w => w.FreeSlots).ThenBy(w => w.LastGiven).ThenBy(w => w.Joined).FirstOrDefault();
                if (free != null)
                {
                    free.FreeSlots--;
                    free.LastGiven = ++_given;
                    return free;
                }
                changed = _changed.Task;
            }
            TimeSpan left = _options.WorkerWaitTimeout - waited.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException(
                    $"No Orleans worker was free for {_options.WorkerWaitTimeout.TotalSeconds:0} s (OrleansTrialOptions.WorkerWaitTimeout): " +
                    $"{_workers.Values.Count(w => !w.Left.IsCompleted)} worker(s) in the cluster. Start workers with AddArchitectureSearchWorker.");
            await changed.WaitAsync(left, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void Release(RemoteWorker worker)
    {
        lock (_gate)
        {
            worker.FreeSlots++;
            Signal();
        }
    }

    private void MarkGone(RemoteWorker worker, string why)
    {
        if (worker.Leave())
            _log.Warning($"Worker {worker.Name} is gone ({why}).");
        lock (_gate) Signal();
    }

    private void Signal()
    {
        TaskCompletionSource previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads the cluster's active silos until disposed: new ones are described and join, missing ones leave.</summary>
    private async Task WatchMembershipAsync()
    {
        IManagementGrain management = _client.GetGrain<IManagementGrain>(0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // Bounded: when the management grain was on a silo that died, the call would wait for Orleans' response
                // timeout (30 s) before membership is read again.
                Dictionary<SiloAddress, SiloStatus> hosts = await management.GetHosts(onlyActive: true).WaitAsync(MembershipReadTimeout, _stop.Token);
                foreach (SiloAddress silo in hosts.Keys)
                {
                    bool known;
                    lock (_gate) known = _workers.ContainsKey(silo) || _notWorkers.Contains(silo);
                    if (!known) await JoinAsync(silo);
                }
                RemoteWorker[] gone;
                lock (_gate) gone = _workers.Values.Where(w => !hosts.ContainsKey(w.Silo) && !w.Left.IsCompleted).ToArray();
                foreach (RemoteWorker worker in gone)
                    MarkGone(worker, "Orleans membership no longer lists its silo as active");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Membership is read again next round (the management grain itself may have been on a silo that died).
                _log.Warning($"Reading the Orleans cluster's membership failed ({e.GetType().Name}: {e.Message}); trying again.");
            }
            _firstRead.TrySetResult();
            try
            {
                await Task.Delay(_options.MembershipRefreshInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task JoinAsync(SiloAddress silo)
    {
        var worker = new RemoteWorker(_client.GetGrain<IChildWorkerGrain>(silo.ToParsableString()), silo);
        WorkerDescription description;
        try
        {
            description = await worker.Call(g => g.Describe()).WaitAsync(TimeSpan.FromSeconds(30), _stop.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A silo without the worker service (AddArchitectureSearchWorker) trains nothing; it is not asked again.
            lock (_gate) _notWorkers.Add(silo);
            _log.Info($"Orleans silo {silo} is not an architecture-search worker ({e.GetType().Name}: {e.Message}).");
            return;
        }
        worker.Describe(description);
        lock (_gate)
        {
            _workers[silo] = worker;
            Signal();
        }
        _log.Info(string.Create(CultureInfo.InvariantCulture, $"Worker {worker.Name} joined ({silo}, {description.ConcurrentChildren} child(ren) at once)."));
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _membership.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Stopped; its errors were logged as they happened.
        }
        _stop.Dispose();
        _data.Dispose();
    }
}
