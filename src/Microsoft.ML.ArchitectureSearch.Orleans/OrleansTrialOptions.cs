namespace Microsoft.ML;

/// <summary>How the process calling Fit dispatches children to Orleans workers (see <c>UseOrleansCluster</c>).</summary>
public sealed class OrleansTrialOptions
{
    /// <summary>
    /// A directory every worker can read at the same path (a network share). The search writes its data there once
    /// and workers read it from there; null (default): the data are shipped to each worker in chunks.
    /// </summary>
    public string? SharedDataDirectory { get; set; }

    /// <summary>Bytes per data chunk sent to a worker; well under Orleans' message body limit (100 MB by default). Default 4 MiB.</summary>
    public int DataChunkBytes { get; set; } = 4 << 20;

    /// <summary>How often the cluster's membership is read to find workers that joined or left. Default 1 second.</summary>
    public TimeSpan MembershipRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a child waits for a worker when the cluster has none free before the search fails. Default 10 minutes.</summary>
    public TimeSpan WorkerWaitTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many times one child is sent to a worker (the first time plus re-dispatches after workers left). Default 5.</summary>
    public int MaxDispatchesPerChild { get; set; } = 5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    internal void Validate()
    {
        if (DataChunkBytes < 1024)
            throw new ArgumentOutOfRangeException(nameof(DataChunkBytes), DataChunkBytes, "OrleansTrialOptions.DataChunkBytes must be at least 1024.");
        if (MembershipRefreshInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(MembershipRefreshInterval), MembershipRefreshInterval, "OrleansTrialOptions.MembershipRefreshInterval must be positive.");
        if (WorkerWaitTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(WorkerWaitTimeout), WorkerWaitTimeout, "OrleansTrialOptions.WorkerWaitTimeout must be positive.");
        if (MaxDispatchesPerChild < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxDispatchesPerChild), MaxDispatchesPerChild, "OrleansTrialOptions.MaxDispatchesPerChild must be at least 1.");
    }

    internal OrleansTrialOptions Clone() => (OrleansTrialOptions)MemberwiseClone();
}
