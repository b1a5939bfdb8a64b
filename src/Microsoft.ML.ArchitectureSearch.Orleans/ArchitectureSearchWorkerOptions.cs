namespace Microsoft.ML;

/// <summary>
/// How a worker silo trains architecture-search children (see <c>AddArchitectureSearchWorker</c>). Children are
/// deterministic given their architecture, seed and thread count, so every worker of a search should use the same
/// <see cref="ThreadsPerChild"/> as the search would locally.
/// </summary>
public sealed class ArchitectureSearchWorkerOptions
{
    /// <summary>Children this worker trains at the same time. Default 1.</summary>
    public int ConcurrentChildren { get; set; } = 1;

    /// <summary>
    /// libtorch intra-op threads each child trains with, set on the thread that trains it. Default 1. Null leaves the
    /// training thread's count as it is (a silo hosted in a process that sets it itself).
    /// </summary>
    public int? ThreadsPerChild { get; set; } = 1;

    /// <summary>Where shipped data are cached, one file per data fingerprint; null: a folder under the temp directory.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The worker's name in progress and reports; null: the silo's name.</summary>
    public string? Name { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    internal void Validate()
    {
        if (ConcurrentChildren < 1)
            throw new ArgumentOutOfRangeException(nameof(ConcurrentChildren), ConcurrentChildren, "ArchitectureSearchWorkerOptions.ConcurrentChildren must be at least 1.");
        if (ThreadsPerChild is < 1)
            throw new ArgumentOutOfRangeException(nameof(ThreadsPerChild), ThreadsPerChild, "ArchitectureSearchWorkerOptions.ThreadsPerChild must be at least 1.");
    }
}
