using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Orleans.Grains;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Worker;

/// <summary>
/// One worker silo's state: its data, a trainer per workload (built once, shared by that search's children, as the
/// local search shares one), and the slots that bound how many children train at once.
/// </summary>
internal sealed class WorkerRuntime : IDisposable
{
    private readonly ConcurrentDictionary<(string Fingerprint, string Settings), Lazy<(ISearchSpace Space, IChildTrainer Trainer)>> _trainers = new();

    private readonly ILogger _log;
    private readonly int? _threadsPerChild;

    /// <summary>A child holds one slot while it trains.</summary>
    private readonly SemaphoreSlim _slots;

    public WorkerRuntime(ArchitectureSearchWorkerOptions options, ILocalSiloDetails silo, ILogger<WorkerRuntime> log)
    {
        _log = log;
        options.Validate();
        Name = options.Name ?? silo.Name;
        ConcurrentChildren = options.ConcurrentChildren;
        _slots = new SemaphoreSlim(options.ConcurrentChildren, options.ConcurrentChildren);
        Data = new WorkerDataCache(options.CacheDirectory ?? Path.Combine(Path.GetTempPath(), "architecture-search-worker", Sanitize(Name)));
        _threadsPerChild = options.ThreadsPerChild;
        Children = new ChildTrainings(TrainInSlotAsync, request => _log.LogInformation(
            "Worker {Worker}: child (seed {Seed}) is training or trained here already; its result is reused", Name, request.Seed));
    }

    public string Name { get; }

    public int ConcurrentChildren { get; }


    public WorkerDataCache Data { get; }

    /// <summary>Children training or trained here, by request (a resumed coordinator's requests reuse them).</summary>
    public ChildTrainings Children { get; }

    /// <summary>Waits for a slot, then trains the child on a thread-pool thread (never on the grain's scheduler).</summary>
    private async Task<ChildReply> TrainInSlotAsync(ChildRequest request, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => Train(request, cancellationToken), CancellationToken.None);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Trains the child on this thread (a thread-pool thread, not the grain's) and returns its result.</summary>
    public ChildReply Train(ChildRequest request, CancellationToken cancellationToken)
    {
        (ISearchSpace space, IChildTrainer trainer) = _trainers.GetOrAdd((request.DataFingerprint, request.Settings), key =>
            new Lazy<(ISearchSpace, IChildTrainer)>(() => Data.Get(key.Fingerprint, request.DataPath).CreateTrainer(key.Settings))).Value;
        IArchitecture architecture = space.FromJson(request.ArchitectureJson);
        var settings = new ChildTrainingSettings { Epochs = request.Epochs, Seed = request.Seed, TimeLimit = request.TimeLimit };
        _log.LogInformation("Worker {Worker}: training child (seed {Seed}) {Architecture}", Name, request.Seed, architecture.Describe());
        // Set on the thread that trains this child, as the local runner does (libtorch keeps the count per thread): the
        // child's result depends on its architecture, seed and thread count alone (docs/reproducibility.md).
        using (IntraOpThreads.Use(_threadsPerChild))
        {
            using TrainedChild child = trainer.Train(architecture, settings, cancellationToken);
            _log.LogInformation("Worker {Worker}: trained child (seed {Seed}) in {Seconds:0.0} s, reward {Reward:0.####}", Name, request.Seed,
                child.Result.WallTime.TotalSeconds, child.Result.Reward);
            return new ChildReply(JsonSerializer.Serialize(child.Result, CheckpointJson.Options), Name);
        }
    }

    public void Dispose()
    {
        foreach (var trainer in _trainers.Values)
        {
            if (trainer.IsValueCreated && trainer.Value.Trainer is IDisposable disposable)
                disposable.Dispose();
        }
        _slots.Dispose();
    }

    /// <summary>A name made safe as a file or folder name (fingerprints hold ':').</summary>
    internal static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
