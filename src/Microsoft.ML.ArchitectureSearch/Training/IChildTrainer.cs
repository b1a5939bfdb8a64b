using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>A child network trained by an <see cref="IChildTrainer"/>: its result and, unless it failed, its weights.</summary>
internal sealed class TrainedChild : IDisposable
{
    public TrainedChild(TrialResult result, torch.nn.Module? network, string? worker = null)
    {
        Result = result;
        Network = network;
        Worker = worker;
    }

    public TrialResult Result { get; }

    /// <summary>The worker that trained the child when it trained in another process (see TrialRecord.Worker); null: this process.</summary>
    public string? Worker { get; }

    /// <summary>The trained network (in eval mode), or null when training failed. Owned by this object.</summary>
    public torch.nn.Module? Network { get; }

    public void Dispose() => Network?.Dispose();
}

/// <summary>Budget and randomness of one child training.</summary>
internal sealed record ChildTrainingSettings
{
    public int Epochs { get; init; } = 1;

    /// <summary>Seeds weight initialisation, shuffling and augmentation: same seed and architecture, same result (CPU).</summary>
    public int Seed { get; init; }

    /// <summary>Also compute the test metric (when the trainer was given test data).</summary>
    public bool EvaluateTest { get; init; }

    /// <summary>Stop after this much wall time (the epochs finished so far count).</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Called after each epoch with (epoch index, validation metric); return false to stop early.</summary>
    public Func<int, double, bool>? ContinueAfterEpoch { get; init; }

    /// <summary>
    /// A file the training's whole state is saved to (atomically) after every epoch; a training started when the file
    /// exists continues after its last saved epoch and ends as the uninterrupted training would (on CPU). A file of
    /// another model, data, seed or options is refused. Null: no saving. Both trainers honour it (language models:
    /// LanguageModelEpochCheckpoint; CNNs: CnnEpochCheckpoint).
    /// </summary>
    public string? EpochCheckpointPath { get; init; }
}

/// <summary>Trains and scores one child architecture on the data it was built with.</summary>
internal interface IChildTrainer
{
    /// <summary>True when the validation metric is better lower (perplexity), false when higher (accuracy).</summary>
    bool LowerMetricIsBetter { get; }

    TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inference latency of a trained child in milliseconds per example (one image; one token step of one sequence),
    /// timed in this process on the network's device with <paramref name="threads"/> libtorch threads (null: as set):
    /// the median of <paramref name="runs"/> runs after warm-up (<see cref="Objectives.InferenceLatency"/>). Throws
    /// <see cref="ArgumentException"/> for a child without a network.
    /// </summary>
    double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads);
}
