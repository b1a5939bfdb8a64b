using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Orleans.Grains;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Orleans.Coordinator;

/// <summary>The search runner's trainer when children train on Orleans workers: one request per child, result back.</summary>
internal sealed class OrleansChildTrainer(WorkerPool workers, ChildWorkload workload) : IRemoteChildTrainer
{
    public bool LowerMetricIsBetter => workload.LowerMetricIsBetter;

    public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        // The options refuse what cannot cross to a worker (early stopping's per-epoch callback, test metrics).
        if (settings.ContinueAfterEpoch != null || settings.EvaluateTest)
            throw new NotSupportedException("Children trained on Orleans workers cannot stop early or report a test metric.");
        var request = new ChildRequest
        {
            DataFingerprint = workload.DataFingerprint,
            Settings = workload.Settings,
            ArchitectureJson = architecture.ToJson(),
            Epochs = settings.Epochs,
            Seed = settings.Seed,
            TimeLimit = settings.TimeLimit,
        };
        // The runner trains each child on its own thread and waits for it; the dispatch itself is asynchronous.
        ChildReply reply = workers.TrainAsync(request, architecture.Describe(), cancellationToken).GetAwaiter().GetResult();
        TrialResult result = JsonSerializer.Deserialize<TrialResult>(reply.ResultJson, CheckpointJson.Options)
            ?? throw new InvalidDataException($"Worker {reply.Worker} returned no result.");
        return new TrainedChild(result, null, reply.Worker);
    }

    public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads) =>
        throw new NotSupportedException("A child trained on an Orleans worker has no network in this process to time.");

    public void Dispose() => workers.Dispose();
}
