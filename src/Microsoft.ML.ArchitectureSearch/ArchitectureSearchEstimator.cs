using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Tasks;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.ArchitectureSearch;

/// <summary>
/// Searches for a neural network architecture for images or text, trains the best one with TorchSharp and returns it as
/// an <see cref="ArchitectureSearchTransformer"/>. Create it with <c>mlContext.Transforms.ArchitectureSearch(options)</c>.
/// Messages (every trial, checkpoint decisions, the final training) go to <c>mlContext.Log</c>;
/// <c>mlContext.CancelExecution()</c> stops the search like <see cref="ArchitectureSearchOptions.CancellationToken"/>.
/// </summary>
public sealed class ArchitectureSearchEstimator : IEstimator<ArchitectureSearchTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly IHost _host;
    private readonly ArchitectureSearchOptions _options;
    private readonly TaskDefinition _task;
    private readonly int _seed;

    internal ArchitectureSearchEstimator(IHostEnvironment env, ArchitectureSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _environment = env;
        _host = env.Register(nameof(ArchitectureSearchEstimator));
        _options = options.Clone();
        _task = TaskDefinitions.For(_options.Task);
        _task.CheckOptions(_options);
        // Seed: the options', else the MLContext's, else one drawn from the host's random source (itself seeded
        // from the environment), as ML.NET trainers do.
        _seed = options.Seed ?? MLNetInternalsAccess.GetSeed(env) ?? _host.Rand.Next();
    }

    /// <summary>The seed this estimator's Fit uses (options.Seed, else the MLContext's).</summary>
    public int Seed => _seed;

    /// <summary>The estimator's own copy of the options (tests check that it shares nothing with the caller's).</summary>
    internal ArchitectureSearchOptions Options => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column[] added = _task.OutputColumns(inputSchema, _options).ToArray();
        var names = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    /// <summary>Searches and trains on <paramref name="input"/>; validation rows come from options (data or fraction).</summary>
    public ArchitectureSearchTransformer Fit(IDataView input) => Fit(input, _options.ValidationData);

    /// <summary>Searches and trains on <paramref name="trainingData"/>, scoring the children on <paramref name="validationData"/>
    /// (null: hold out options.ValidationFraction of the training rows).</summary>
    public ArchitectureSearchTransformer Fit(IDataView trainingData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        using IChannel channel = _host.Start(nameof(Fit));
        var log = new ChannelSearchLog(channel);

        if (_options.NativeAllocatorTuning != NativeAllocatorTuning.None)
            log.Info("Native allocator: " + Training.NativeAllocator.Tune(_options.NativeAllocatorTuning));

        // 1. Validate the schemas (before reading more than one row), then read and check the rows.
        DataSizeChecks.RequireRows(trainingData, "training data");
        _task.CheckSchema(trainingData.Schema, _options);
        if (validationData != null)
        {
            DataSizeChecks.RequireRows(validationData, "validation data");
            _task.CheckSchema(validationData.Schema, _options);
        }
        TaskRows all = _task.ReadTrainingRows(trainingData, _options);
        (TaskRows train, TaskRows validation) = validationData != null
            ? (all, _task.ReadValidationRows(validationData, all, _options))
            : ValidationSplit.HoldOut(all, _options.ValidationFraction, _seed);
        DataSizeChecks.WarnIfTooSmall(train, validation, heldOut: validationData == null, log);

        // 2. Search (or take the fixed architecture), then retrain the winner on training plus validation rows.
        using ITaskSearch search = _task.CreateSearch(train, validation, _options, log);
        using var cancellation = new FitCancellation(_environment, _host, _options.CancellationToken);
        (IArchitecture architecture, int seed, SearchOutcome? outcome) = _options.FixedArchitecture is string json
            ? (ReadFixedArchitecture(search, json, log), TrialSeeds.ForTrial(_seed, 0), null)
            : Search(search, log, cancellation);
        IReadOnlyList<TrialRecord> trials = outcome?.Trials ?? Array.Empty<TrialRecord>();
        // The retraining is the product the user gets, so cancellation does not stop it; with a checkpoint directory a
        // killed Fit resumes it after its last finished epoch.
        (var network, TrialResult final) = search.TrainFinal(architecture,
            FinalTrainingCheckpoint.Settings(_options.FinalEpochs, seed, _options.CheckpointDirectory, log));
        byte[] weights;
        try
        {
            log.Info(string.Create(CultureInfo.InvariantCulture,
                $"Final network: {final.MetricName} {final.BestValidationMetric:0.####} on the validation rows (also trained on), {final.ExamplesPerSecond:0} examples/s."));
            weights = NetworkWeights.ToBytes(network);
        }
        finally
        {
            network.Dispose();
        }
        FinalTrainingCheckpoint.Remove(_options.CheckpointDirectory);

        // 3. The transformer rebuilds the network from the architecture's document exactly as Load will.
        // The architecture's own space: a fixed architecture's document may have brought its own settings.
        var searched = new SearchedArchitecture(architecture.Space.Name, architecture.Space.Fingerprint, architecture.Hash, architecture.ToJson(),
            architecture.Describe(), architecture.ParameterCount);
        var payload = new ModelPayload(searched, _options.Task, ColumnNames.From(_options), all.ModelData, trials);
        ArchitectureSearchTransformer transformer = ArchitectureSearchTransformer.Create(payload, weights, _options.Device);
        transformer.SharedCurves = outcome?.SharedCurves;
        return transformer;
    }

    /// <summary>Runs the strategy under the budgets; returns the best child's architecture and seed, and the outcome.</summary>
    private (IArchitecture, int, SearchOutcome?) Search(ITaskSearch search, ISearchLog log, FitCancellation cancellation)
    {
        ArchitectureSearchOptions o = _options;
        if (o.Strategy == SearchStrategy.Reinforce && o.Reinforce is null && o.WeightSharing)
            log.Info("Weight sharing: the controller learns with ReinforceOptions.ForWeightSharing (ENAS's settings), as ArchitectureSearchOptions.Reinforce is not set.");
        using ISearchStrategy strategy = SearchStrategies.Create(o.Strategy, search.Space, _seed, o.EffectiveReinforce, o.Evolution);
        var progress = new LoggingProgress(log, o.Progress, cancellation.Poll);
        SearchOutcome outcome = o.WeightSharing
            ? SearchWithSharedWeights(search, strategy, progress, log, cancellation)
            : SearchSeparately(search, strategy, progress, log, cancellation);
        TrialRecord best = outcome.Best ?? throw NoChild(outcome);
        IArchitecture architecture = search.Space.FromJson(best.ArchitectureJson);
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"Best: trial {best.Index}, reward {best.Reward:0.####}: {best.Description}. Retraining for {o.FinalEpochs} epochs on training + validation rows."));
        return (architecture, best.Seed, outcome);
    }

    /// <summary>Every child trained separately (Zoph &amp; Le), under the budgets and with the checkpoint.</summary>
    private SearchOutcome SearchSeparately(ITaskSearch search, ISearchStrategy strategy, IProgress<SearchProgress> progress, ISearchLog log, FitCancellation cancellation)
    {
        ArchitectureSearchOptions o = _options;
        MedianStoppingRule? earlyStopping = o.EarlyStopping ? new MedianStoppingRule { PlannedEpochs = o.TrialEpochs } : null;
        var runOptions = new SearchRunOptions
        {
            Budget = new SearchBudget
            {
                MaxTrials = o.MaxTrials,
                MaxSearchTime = o.MaxSearchTime,
                MaxParameters = o.MaxParametersPerChild,
                MaxMemoryBytes = o.EffectiveMaxMemoryPerChild,
                TrialTimeLimit = o.TrialTimeLimit,
            },
            TrialEpochs = o.TrialEpochs,
            Seed = _seed,
            ReuseDuplicateResults = o.ReuseDuplicateResults,
            Parallelism = o.Parallelism,
            ThreadsPerChild = o.ThreadsPerChild,
            CheckpointDirectory = o.CheckpointDirectory,
            InitialArchitectures = ReadInitialArchitectures(search),
            Objective = o.Objective,
            DataFingerprint = search.DataFingerprint,
            MemoryEstimate = search.EstimateTrainingMemory,
            Progress = progress,
            EarlyStopping = earlyStopping,
        };
        if (runOptions.InitialArchitectures.Count > 0)
            log.Info($"Training {runOptions.InitialArchitectures.Count} reference architecture(s) first: {string.Join(", ", runOptions.InitialArchitectures.Select(r => r.Name))}.");
        // Children train on the workers of the training site when the options name one, else in this process.
        using IRemoteChildTrainer? remote = o.TrainingSite?.Open(search.CreateWorkload(), log);
        SearchOutcome outcome = new ArchitectureSearchRunner(strategy, remote ?? search.Trainer, runOptions, log).Run(cancellation.Token);
        log.Info($"Search stopped ({outcome.StopReason}): {outcome.TrainedCount} children trained in {outcome.Elapsed.TotalSeconds:0.0} s.");
        if (earlyStopping != null)
            log.Info($"Early stopping: {earlyStopping.StoppedTrials} children stopped, {earlyStopping.EpochsSaved} of {outcome.TrainedCount * o.TrialEpochs} child epochs saved.");
        return outcome;
    }

    /// <summary>Children scored on one shared network (ENAS; see <see cref="ArchitectureSearchOptions.WeightSharing"/>).</summary>
    private SearchOutcome SearchWithSharedWeights(ITaskSearch search, ISearchStrategy strategy, IProgress<SearchProgress> progress, ISearchLog log, FitCancellation cancellation)
    {
        ArchitectureSearchOptions o = _options;
        using ISharedWeightTrainer trainer = search.CreateSharedWeightTrainer(_seed, o.SharedEpochs);
        var runOptions = new WeightSharingRunOptions
        {
            SharedEpochs = o.SharedEpochs,
            ChildrenPerEpoch = o.MaxTrials,
            MaxSearchTime = o.MaxSearchTime,
            Seed = _seed,
            Progress = progress,
            CheckpointDirectory = o.CheckpointDirectory,
            DataFingerprint = search.DataFingerprint,
            References = ReadInitialArchitectures(search),
            Objective = o.Objective,
        };
        if (runOptions.References.Count > 0)
            log.Info($"Scoring {runOptions.References.Count} reference architecture(s) on the shared weights beside the final candidates: {string.Join(", ", runOptions.References.Select(r => r.Name))}.");
        SearchOutcome outcome = new WeightSharingSearch(strategy, trainer, runOptions, log).Run(cancellation.Token);
        log.Info($"Weight-sharing search stopped ({outcome.StopReason}): {outcome.TrainedCount} children scored on shared weights in {outcome.Elapsed.TotalSeconds:0.0} s.");
        return outcome;
    }

    /// <summary>The options' initial architectures read into the search's space, or the space's references when null.</summary>
    private IReadOnlyList<ReferenceArchitecture> ReadInitialArchitectures(ITaskSearch search) =>
        _options.InitialArchitectures is { } documents
            ? documents.Select((json, i) => new ReferenceArchitecture($"initial architecture {i}",
                $"ArchitectureSearchOptions.InitialArchitectures[{i}]", ReadInitialArchitecture(search, json, i))).ToArray()
            : search.Space.References;

    private static IArchitecture ReadInitialArchitecture(ITaskSearch search, string json, int index)
    {
        try
        {
            return search.Space.FromJson(json);
        }
        catch (ArchitectureValidationException e)
        {
            throw new ArgumentException(
                $"ArchitectureSearchOptions.{nameof(ArchitectureSearchOptions.InitialArchitectures)}[{index}] is not an architecture of the '{search.Space.Name}' search space: {e.Message}", e);
        }
    }

    private static Exception NoChild(SearchOutcome outcome)
    {
        string[] reasons = outcome.Trials.Select(t => t.Result.FailureReason).Where(r => !string.IsNullOrWhiteSpace(r)).Distinct().Take(5).ToArray()!;
        if (outcome.StopReason == SearchStopReason.Cancelled)
            return new OperationCanceledException(
                $"The architecture search was cancelled before any child finished training ({outcome.Trials.Count} proposals), so there is no network to return." +
                (reasons.Length == 0 ? "" : " Proposals before the cancellation failed: " + string.Join("; ", reasons)));
        return new InvalidOperationException(
            $"The architecture search trained no child successfully ({outcome.Trials.Count} proposals; stop reason {outcome.StopReason}). " +
            (reasons.Length == 0 ? "No child failed; the budget allowed none to finish." : "Reasons: " + string.Join("; ", reasons)));
    }

    private IArchitecture ReadFixedArchitecture(ITaskSearch search, string json, ISearchLog log)
    {
        IArchitecture architecture;
        try
        {
            architecture = search.ReadFixedArchitecture(json);
        }
        catch (ArchitectureValidationException e)
        {
            throw new ArgumentException(
                $"ArchitectureSearchOptions.{nameof(ArchitectureSearchOptions.FixedArchitecture)} is not an architecture of the '{search.Space.Name}' search space: {e.Message}", e);
        }
        TrainingMemoryEstimate memory = search.EstimateTrainingMemory(architecture);
        long limit = _options.EffectiveMaxMemoryPerChild;
        if (memory.TotalBytes > limit)
            throw new ArgumentException(
                $"ArchitectureSearchOptions.{nameof(ArchitectureSearchOptions.FixedArchitecture)} needs an estimated {memory} to train, over " +
                $"{nameof(ArchitectureSearchOptions.MaxMemoryPerChild)} {TrainingMemoryEstimate.Gigabytes(limit)}" +
                (_options.MaxMemoryPerChild is null ? " (by default half of the memory this process may use)" : "") +
                ". Train a smaller architecture or batch, or raise MaxMemoryPerChild if the machine has the memory.");
        log.Info($"No search: training the fixed architecture {architecture.Describe()} (estimated memory {memory}).");
        return architecture;
    }

    /// <summary>Forwards progress to the user's IProgress and writes one log line per trial; then runs
    /// <paramref name="afterReport"/> (the cancellation poll), so a CancelExecution from the user's handler stops the next trial.</summary>
    private sealed class LoggingProgress(ISearchLog log, IProgress<SearchProgress>? user, Action afterReport) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress p)
        {
            TrialRecord t = p.Trial;
            log.Info(string.Create(CultureInfo.InvariantCulture,
                $"trial {t.Index} [{t.Kind}{(t.Reference is { } name ? $", reference '{name}'" : "")}{(p.Restored ? ", restored" : "")}{(t.Worker is { } worker ? $", worker {worker}" : "")}] reward {t.Reward:0.####}{(t.Cost is { } cost ? $" (cost {cost:0.###} {t.CostKind}, factor {t.CostFactor:0.####})" : "")} best {p.Best?.Reward ?? 0:0.####} ({p.TrainedTrials}/{p.MaxTrials} trained, {p.Elapsed.TotalSeconds:0} s): {t.Description}"));
            user?.Report(p);
            afterReport();
        }
    }
}
