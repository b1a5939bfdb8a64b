using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Search;

/// <summary>
/// The estimator's search: builds the task's space and child trainer, runs the strategy through
/// <see cref="ArchitectureSearchRunner"/> (budgets, checkpoint, progress), then retrains the best child for
/// FinalEpochs on training plus validation rows and hands its weights to the transformer.
/// </summary>
internal sealed class NasSearchRunner : ISearchRunner
{
    public SearchRunResult Run(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArchitectureSearchOptions o = request.Options;
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, o.CancellationToken);
        using ITaskSearch task = request.Train switch
        {
            ImageTaskData => new ImageTaskSearch(request),
            TextTaskData => new LanguageModelTaskSearch(request),
            _ => throw new ArgumentException($"Unsupported training data {request.Train.GetType().Name}."),
        };
        (IArchitecture architecture, int seed, IReadOnlyList<TrialRecord> trials) = o.FixedArchitecture is string fixedJson
            ? (ReadFixedArchitecture(task.Space, fixedJson, request.Log), TrialSeeds.ForTrial(request.Seed, 0), Array.Empty<TrialRecord>())
            : Search(request, task, linked.Token);

        // The retraining is the product the user gets, so it is not cancelled by the search's token.
        var settings = new ChildTrainingSettings { Epochs = o.FinalEpochs, Seed = seed };
        (var network, string factoryJson, TrialResult final) = task.TrainFinal(architecture, settings, CancellationToken.None);
        try
        {
            request.Log($"Final network: {final.MetricName} {final.BestValidationMetric.ToString("0.####", CultureInfo.InvariantCulture)} on the validation rows (also trained on), {final.ExamplesPerSecond:0} examples/s.");
            var searched = new SearchedArchitecture(task.Space.Name, task.Space.Fingerprint, architecture.Hash, factoryJson,
                architecture.Describe(), architecture.ParameterCount);
            return new SearchRunResult(searched, NetworkWeights.ToBytes(network), trials);
        }
        finally
        {
            network.Dispose();
        }
    }

    /// <summary>Runs the strategy under the budgets; returns the best child's architecture and seed, and every trial.</summary>
    private static (IArchitecture, int, IReadOnlyList<TrialRecord>) Search(SearchRequest request, ITaskSearch task, CancellationToken cancellationToken)
    {
        ArchitectureSearchOptions o = request.Options;
        using ISearchStrategy strategy = SearchStrategies.Create(o.Strategy, task.Space, request.Seed, o.Reinforce, o.Evolution);
        var progress = new LoggingProgress(request.Log, o.Progress);
        MedianStoppingRule? earlyStopping = o.EarlyStopping ? new MedianStoppingRule { PlannedEpochs = o.TrialEpochs } : null;
        var runOptions = new SearchRunOptions
        {
            Budget = new SearchBudget
            {
                MaxTrials = o.MaxTrials,
                MaxSearchTime = o.MaxSearchTime,
                MaxParameters = o.MaxParametersPerChild,
                TrialTimeLimit = o.TrialTimeLimit,
            },
            TrialEpochs = o.TrialEpochs,
            Seed = request.Seed,
            ReuseDuplicateResults = o.ReuseDuplicateResults,
            Parallelism = o.Parallelism,
            CheckpointDirectory = o.CheckpointDirectory,
            DataFingerprint = task.DataFingerprint,
            Progress = progress,
            EarlyStopping = earlyStopping,
        };
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, task.Trainer, runOptions).Run(cancellationToken);
        request.Log($"Search stopped ({outcome.StopReason}): {outcome.TrainedCount} children trained in {outcome.Elapsed.TotalSeconds:0.0} s.");
        if (earlyStopping != null)
            request.Log($"Early stopping: {earlyStopping.StoppedTrials} children stopped, {earlyStopping.EpochsSaved} of {outcome.TrainedCount * o.TrialEpochs} child epochs saved.");

        TrialRecord best = outcome.Best ?? throw new InvalidOperationException(
            $"The architecture search trained no child successfully ({outcome.Trials.Count} proposals; stop reason {outcome.StopReason}). " +
            "Reasons: " + string.Join("; ", outcome.Trials.Select(t => t.Result.FailureReason).Where(r => r != null).Distinct().Take(5)));
        IArchitecture architecture = task.Space.FromJson(best.ArchitectureJson);
        request.Log($"Best: trial {best.Index}, reward {best.Reward.ToString("0.####", CultureInfo.InvariantCulture)}: {best.Description}. Retraining for {o.FinalEpochs} epochs on training + validation rows.");

        return (architecture, best.Seed, outcome.Trials);
    }

    private static IArchitecture ReadFixedArchitecture(ISearchSpace space, string json, Action<string> log)
    {
        IArchitecture architecture;
        try
        {
            architecture = space.FromJson(json);
        }
        catch (ArchitectureValidationException e)
        {
            throw new ArgumentException(
                $"ArchitectureSearchOptions.{nameof(ArchitectureSearchOptions.FixedArchitecture)} is not an architecture of the '{space.Name}' search space: {e.Message}", e);
        }
        log($"No search: training the fixed architecture {architecture.Describe()}.");
        return architecture;
    }

    /// <summary>Forwards progress to the user's IProgress and writes one log line per trial.</summary>
    private sealed class LoggingProgress(Action<string> log, IProgress<SearchProgress>? user) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress p)
        {
            TrialRecord t = p.Trial;
            log(string.Create(CultureInfo.InvariantCulture,
                $"trial {t.Index} [{t.Kind}{(p.Restored ? ", restored" : "")}] reward {t.Reward:0.####} best {p.Best?.Reward ?? 0:0.####} ({p.TrainedTrials}/{p.MaxTrials} trained, {p.Elapsed.TotalSeconds:0} s): {t.Description}"));
            user?.Report(p);
        }
    }
}
