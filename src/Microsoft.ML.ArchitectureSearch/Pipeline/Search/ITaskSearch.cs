using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Search;

/// <summary>The task-specific half of a search: the space, the child trainer, and the final retraining of the winner.</summary>
internal interface ITaskSearch : IDisposable
{
    ISearchSpace Space { get; }

    /// <summary>Trains children on the training rows and scores them on the validation rows.</summary>
    IChildTrainer Trainer { get; }

    /// <summary>Digest of the data the children see, stored in checkpoints so a resume on other data is refused.</summary>
    string DataFingerprint { get; }

    /// <summary>
    /// Retrains <paramref name="architecture"/> on training plus validation rows and returns the network in the
    /// transformer's scoring form, with the JSON its <see cref="Networks.INetworkFactory"/> rebuilds it from.
    /// </summary>
    (nn.Module<Tensor, Tensor> Network, string FactoryJson, TrialResult Result) TrainFinal(
        IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken);
}
