using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Orleans.Worker;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;

/// <summary>
/// The search's data as the coordinator sends them: written once to a file (in <see cref="OrleansTrialOptions.SharedDataDirectory"/>
/// when set, which workers then read themselves; else a temporary file), and shipped in chunks to each worker that
/// does not hold them yet.
/// </summary>
internal sealed class DataShipment : IDisposable
{
    private readonly ChildWorkload _workload;
    private readonly OrleansTrialOptions _options;
    private readonly string _file;
    private readonly bool _temporary;

    public DataShipment(ChildWorkload workload, OrleansTrialOptions options)
    {
        (_workload, _options) = (workload, options);
        string name = WorkerRuntime.Sanitize(workload.DataFingerprint) + ".data";
        _temporary = options.SharedDataDirectory is null;
        _file = options.SharedDataDirectory is { } shared
            ? Path.Combine(Path.GetFullPath(shared), name)
            : Path.Combine(Path.GetTempPath(), "architecture-search-" + Guid.NewGuid().ToString("N") + "-" + name);
        if (_temporary || !File.Exists(_file))
        {
            // Written under a temporary name then moved, so no worker ever reads a half-written shared file.
            string partial = _file + "." + Guid.NewGuid().ToString("N") + ".part";
            using (FileStream stream = File.Create(partial)) workload.WriteData(stream);
            File.Move(partial, _file, overwrite: true);
        }
        Bytes = new FileInfo(_file).Length;
    }

    /// <summary>The file's path when workers read it themselves; null when it is shipped.</summary>
    public string? SharedPath => _temporary ? null : _file;

    public long Bytes { get; }

    /// <summary>Sends the data to <paramref name="worker"/> unless it already holds them (or reads the shared file).</summary>
    public async Task ShipAsync(RemoteWorker worker, ISearchLog log, CancellationToken cancellationToken)
    {
        if (SharedPath != null) return;
        string fingerprint = _workload.DataFingerprint;
        if (await worker.Call(g => g.HasData(fingerprint)))
        {
            log.Info($"Worker {worker.Name} already holds the data ({fingerprint}).");
            return;
        }
        var clock = Stopwatch.StartNew();
        var buffer = new byte[_options.DataChunkBytes];
        int chunks = 0;
        await using (FileStream stream = File.OpenRead(_file))
        {
            for (long offset = 0; offset < Bytes; chunks++)
            {
                int read = await stream.ReadAsync(buffer, cancellationToken);
                byte[] chunk = buffer[..read];
                long at = offset;
                await worker.Call(g => g.AppendData(fingerprint, at, chunk));
                offset += read;
            }
        }
        await worker.Call(g => g.CommitData(fingerprint, Bytes));
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Shipped the data ({Bytes / 1e6:0.0} MB in {chunks} chunk(s), {fingerprint}) to worker {worker.Name} in {clock.Elapsed.TotalSeconds:0.0} s."));
    }

    public void Dispose()
    {
        if (_temporary) File.Delete(_file);
    }
}
