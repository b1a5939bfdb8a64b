using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks;

/// <summary>The task-specific half of one Fit: the space, the child trainer, and the final retraining of the winner.</summary>
internal interface ITaskSearch : IDisposable
{
    ISearchSpace Space { get; }

    /// <summary>Trains children on the search's training rows and scores them on the validation rows.</summary>
    IChildTrainer Trainer { get; }

    /// <summary>
    /// The architecture a FixedArchitecture Fit trains. By default the document must be a member of <see cref="Space"/>;
    /// a task may instead honour the space settings the document carries (the image task does).
    /// </summary>
    IArchitecture ReadFixedArchitecture(string json) => Space.FromJson(json);

    /// <summary>What training <paramref name="architecture"/> with this search's training options is expected to hold at its peak.</summary>
    TrainingMemoryEstimate EstimateTrainingMemory(IArchitecture architecture);

    /// <summary>
    /// The shared-weight trainer of a weight-sharing search over <see cref="Space"/>, on the search's training rows and
    /// scoring on the validation rows (ArchitectureSearchOptions.WeightSharing).
    /// </summary>
    ISharedWeightTrainer CreateSharedWeightTrainer(int seed, int sharedEpochs) =>
        throw new NotSupportedException($"Weight sharing is not supported for the '{Space.Name}' search space yet.");

    /// <summary>
    /// What a worker in another process needs to train this search's children (settings and rows); see
    /// ArchitectureSearchOptions.TrainingSite.
    /// </summary>
    ChildWorkload CreateWorkload() =>
        throw new NotSupportedException($"Training children on other machines is not supported for the '{Space.Name}' search space yet.");

    /// <summary>Digest of the data the children see, stored in checkpoints so a resume on other data is refused.</summary>
    string DataFingerprint { get; }

    /// <summary>
    /// Retrains <paramref name="architecture"/> on training plus validation rows and returns the network in the
    /// form <see cref="TaskDefinition.BuildScoringNetwork"/> builds, with the training's result.
    /// </summary>
    (nn.Module<Tensor, Tensor> Network, TrialResult Result) TrainFinal(IArchitecture architecture, ChildTrainingSettings settings);
}
