using Orleans;
using Orleans.Concurrency;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Grains;

/// <summary>
/// The child-training service of one worker silo. Its key is the silo's address, and the coordinator places it on that
/// silo, so one grain stands for one worker. Calls interleave: children train off the grain's turn, several at once.
/// </summary>
[Alias("Microsoft.ML.ArchitectureSearch.Orleans.IChildWorkerGrain")]
internal interface IChildWorkerGrain : IGrainWithStringKey
{
    /// <summary>The worker's name and how many children it trains at once.</summary>
    [Alias("Describe"), AlwaysInterleave]
    Task<WorkerDescription> Describe();

    /// <summary>True when the worker already holds (and has checked) the data with this fingerprint.</summary>
    [Alias("HasData"), AlwaysInterleave]
    Task<bool> HasData(string fingerprint);

    /// <summary>Appends one chunk of the data file with this fingerprint; <paramref name="offset"/> 0 starts it anew.</summary>
    [Alias("AppendData")]
    Task AppendData(string fingerprint, long offset, byte[] chunk);

    /// <summary>Ends a transfer of <paramref name="length"/> bytes: the worker reads the data and refuses it unless its
    /// content has the fingerprint it was sent under.</summary>
    [Alias("CommitData")]
    Task CommitData(string fingerprint, long length);

    /// <summary>
    /// Trains one child (waiting for a free slot) and returns its result; a child this worker is training or trained for
    /// the same request (a resumed coordinator's) is not trained again. A child may train for hours.
    /// </summary>
    [Alias("Train"), AlwaysInterleave, ResponseTimeout("1.00:00:00")]
    Task<ChildReply> Train(ChildRequest request, CancellationToken cancellationToken);

    /// <summary>True when this worker is training or has trained the child of this request.</summary>
    [Alias("Holds"), AlwaysInterleave]
    Task<bool> Holds(ChildRequest request);
}

/// <summary>One child to train: what the local trainer gets (architecture, epochs, seed, time limit) and the workload it belongs to.</summary>
[GenerateSerializer, Immutable, Alias("Microsoft.ML.ArchitectureSearch.Orleans.ChildRequest")]
internal sealed record ChildRequest
{
    /// <summary>The data's fingerprint (content address).</summary>
    [Id(0)] public required string DataFingerprint { get; init; }

    /// <summary>A data file the worker reads itself (a shared directory), or null when the data were shipped to it.</summary>
    [Id(1)] public string? DataPath { get; init; }

    /// <summary>The workload settings JSON (task, space, training options).</summary>
    [Id(2)] public required string Settings { get; init; }

    [Id(3)] public required string ArchitectureJson { get; init; }

    [Id(4)] public int Epochs { get; init; }

    [Id(5)] public int Seed { get; init; }

    [Id(6)] public TimeSpan? TimeLimit { get; init; }
}

/// <summary>A trained child's <c>TrialResult</c> (as checkpoint JSON, which round-trips every double) and who trained it.</summary>
[GenerateSerializer, Immutable, Alias("Microsoft.ML.ArchitectureSearch.Orleans.ChildReply")]
internal sealed record ChildReply([property: Id(0)] string ResultJson, [property: Id(1)] string Worker);

/// <summary>A worker's name and capacity.</summary>
[GenerateSerializer, Immutable, Alias("Microsoft.ML.ArchitectureSearch.Orleans.WorkerDescription")]
internal sealed record WorkerDescription([property: Id(0)] string Name, [property: Id(1)] int ConcurrentChildren);
