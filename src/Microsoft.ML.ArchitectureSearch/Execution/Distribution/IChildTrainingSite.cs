using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.Distribution;

/// <summary>
/// Where a search's children are trained when not in this process (the seam a distributed package plugs into through
/// <c>ArchitectureSearchOptions.TrainingSite</c>): given the workload, a trainer the search runner calls like the local one.
/// </summary>
internal interface IChildTrainingSite
{
    /// <summary>A trainer that sends each child to a worker; disposing it ends the search's use of the workers.</summary>
    IRemoteChildTrainer Open(ChildWorkload workload, ISearchLog log);
}

/// <summary>An <see cref="IChildTrainer"/> whose children train elsewhere: results only (no network), each naming its worker.</summary>
internal interface IRemoteChildTrainer : IChildTrainer, IDisposable
{
}
