using System.Collections.Concurrent;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Worker;

/// <summary>
/// The data a worker holds, one file per fingerprint in its cache directory (so a restarted worker does not need them
/// again), each read and checked against its fingerprint before any child trains on it.
/// </summary>
internal sealed class WorkerDataCache(string directory)
{
    private readonly ConcurrentDictionary<string, Lazy<WorkerData>> _loaded = new();
    private readonly object _transferGate = new();

    public string Directory { get; } = directory;

    /// <summary>True when the data with this fingerprint are here and check out; a damaged cached file is deleted.</summary>
    public bool Has(string fingerprint)
    {
        if (_loaded.TryGetValue(fingerprint, out var loaded) && loaded.IsValueCreated) return true;
        string path = CachedPath(fingerprint);
        if (!File.Exists(path)) return false;
        try
        {
            Get(fingerprint, null);
            return true;
        }
        catch (InvalidDataException)
        {
            _loaded.TryRemove(fingerprint, out _);
            File.Delete(path);
            return false;
        }
    }

    /// <summary>The data with this fingerprint, read from <paramref name="sharedPath"/> when given, else from the cache.</summary>
    public WorkerData Get(string fingerprint, string? sharedPath)
    {
        string path = sharedPath ?? CachedPath(fingerprint);
        if (!File.Exists(path))
            throw new InvalidOperationException(sharedPath != null
                ? $"The shared data file {sharedPath} does not exist on this worker."
                : $"This worker holds no data with fingerprint '{fingerprint}': the coordinator must send it first.");
        Lazy<WorkerData> data = _loaded.GetOrAdd(fingerprint, _ => new Lazy<WorkerData>(() => WorkerData.Load(path, fingerprint)));
        try
        {
            return data.Value;
        }
        catch
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<WorkerData>>(fingerprint, data));
            throw;
        }
    }

    /// <summary>Appends a chunk of a transfer; offset 0 starts the file again. Chunks must arrive in order.</summary>
    public void Append(string fingerprint, long offset, byte[] chunk)
    {
        lock (_transferGate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            string part = PartPath(fingerprint);
            using var stream = new FileStream(part, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write);
            if (stream.Length != offset)
                throw new InvalidOperationException($"Data chunk for '{fingerprint}' starts at byte {offset}, but the worker holds {stream.Length} bytes of it.");
            stream.Seek(offset, SeekOrigin.Begin);
            stream.Write(chunk);
        }
    }

    /// <summary>Checks the transferred file (length, then content fingerprint) and keeps it; refused data are deleted.</summary>
    public void Commit(string fingerprint, long length)
    {
        lock (_transferGate)
        {
            string part = PartPath(fingerprint);
            long received = File.Exists(part) ? new FileInfo(part).Length : 0;
            if (received != length)
                throw new InvalidOperationException($"Data '{fingerprint}' should be {length} bytes but the worker received {received}.");
            WorkerData data;
            try
            {
                data = WorkerData.Load(part, fingerprint);
            }
            catch
            {
                File.Delete(part);
                throw;
            }
            File.Move(part, CachedPath(fingerprint), overwrite: true);
            _loaded[fingerprint] = new Lazy<WorkerData>(data);
        }
    }

    private string CachedPath(string fingerprint) => Path.Combine(Directory, WorkerRuntime.Sanitize(fingerprint) + ".data");

    private string PartPath(string fingerprint) => CachedPath(fingerprint) + ".part";
}
