using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;
using TorchSharp;

namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>
/// The search loop: asks the strategy for a batch of proposals, screens them (invalid, over budget, already trained),
/// trains the rest (up to <see cref="SearchRunOptions.Parallelism"/> at once, the next starting as soon as one
/// finishes), records every finished proposal durably, then lets the strategy learn from the batch. A strategy whose
/// proposals depend on results gets batches of Parallelism children; one whose proposals do not (and the reference
/// architectures) gets larger batches, so no worker waits for the slowest child of a batch. It owns no model code:
/// strategies propose, trainers train.
/// </summary>
internal sealed class ArchitectureSearchRunner
{
    private readonly ISearchSpace _space;
    private readonly ISearchStrategy _strategy;
    private readonly IChildTrainer _trainer;
    private readonly SearchRunOptions _options;
    private readonly ISearchLog _log;
    private readonly int _threadsPerChild;

    public ArchitectureSearchRunner(ISearchStrategy strategy, IChildTrainer trainer, SearchRunOptions options, ISearchLog? log = null)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _trainer = trainer ?? throw new ArgumentNullException(nameof(trainer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _space = strategy.Space;
        _log = log ?? NullSearchLog.Instance;
        options.Budget.Validate();
        if (options.Parallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Parallelism, "Parallelism must be at least 1.");
        if (options.TrialEpochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.TrialEpochs, "TrialEpochs must be at least 1.");
        if (options.ThreadsPerChild < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ThreadsPerChild, "ThreadsPerChild must be at least 1.");
        // The caller's libtorch count is the process's setting (OMP_NUM_THREADS, else the cores), shared among the children.
        _threadsPerChild = options.ThreadsPerChild ?? Math.Max(1, torch.get_num_threads() / options.Parallelism);
    }

    /// <summary>The manifest a checkpoint of this search carries.</summary>
    public CheckpointManifest Manifest => new()
    {
        SearchSpace = _space.Name,
        SearchSpaceFingerprint = _space.Fingerprint,
        Strategy = _strategy.Name,
        Seed = _options.Seed,
        TrialEpochs = _options.TrialEpochs,
        ReuseDuplicateResults = _options.ReuseDuplicateResults,
        DataFingerprint = _options.DataFingerprint,
        InitialArchitectures = string.Join(",", _options.InitialArchitectures.Select(r => r.Architecture.Hash)),
        Objective = _options.Objective.ToCanonicalText(),
    };

    /// <summary>Runs (or resumes) the search until a budget limit or cancellation. Cancelling keeps every finished trial.</summary>
    public SearchOutcome Run(CancellationToken cancellationToken = default)
    {
        using SearchCheckpoint? checkpoint = _options.CheckpointDirectory is { } dir ? SearchCheckpoint.Open(dir, Manifest, _log) : null;

        var state = new RunState(_options.Budget);
        IReadOnlyList<TrialRecord> logged = checkpoint?.RestoredTrials ?? Array.Empty<TrialRecord>();
        int batch = 0;
        if (checkpoint?.RestoredState is { } saved)
        {
            using (var stream = new MemoryStream(saved.State)) _strategy.LoadState(stream);
            batch = saved.BatchesLearned;
            state.PriorElapsed = saved.Elapsed;
            foreach (TrialRecord t in logged.Where(t => t.Batch < batch)) state.Add(t);
        }
        var replay = logged.Where(t => t.Batch >= batch).ToDictionary(t => t.Index);

        _log.Info($"Each child trains with {_threadsPerChild} libtorch thread(s), {_options.Parallelism} at a time.");
        SearchStopReason reason = default;
        if (batch == 0 && _options.InitialArchitectures.Count > 0)
        {
            // The references are batch 0; the strategy's batches follow. A resume past them restores them from the log.
            if (!EvaluateReferences(state, replay, checkpoint, cancellationToken, out reason))
            {
                _log.Info($"Search stopped ({reason}) while training the reference architectures, after {state.TrainedCount} trained children.");
                return new SearchOutcome(state.Trials.ToArray(), reason, state.Elapsed);
            }
            batch = 1;
            checkpoint?.SaveState(batch, state.Trials.Count, state.Elapsed, _strategy.SaveState);
        }
        while (!state.ShouldStop(cancellationToken, out reason))
        {
            int want = Math.Min(BatchSize(_strategy.ProposalsDependOnResults), _options.Budget.MaxTrials - state.TrainedCount);
            if (!_strategy.ProposalsDependOnResults)
                want = Math.Min(want, _options.Budget.ProposalCap - state.Trials.Count); // the same proposals whatever the batch size
            IReadOnlyList<IReadOnlyList<int>> proposals = _strategy.Propose(want);
            if (proposals.Count == 0)
                throw new InvalidOperationException($"Strategy '{_strategy.Name}' proposed nothing when asked for {want} architectures.");
            TrialRecord?[] records = EvaluateBatch(proposals, batch, state, replay, checkpoint, cancellationToken, out SearchStopReason? stopped);
            if (stopped is { } why)
            {
                // Stopped mid-batch: the finished trials are logged, the strategy has not learned from a partial batch,
                // so a resume proposes this batch again and reuses them.
                reason = why;
                break;
            }
            _strategy.Learn(records.Select(r => new TrialFeedback(r!.Tokens, r.Reward, r.Result.Failed)).ToArray());
            batch++;
            checkpoint?.SaveState(batch, state.Trials.Count, state.Elapsed, _strategy.SaveState);
        }
        _log.Info($"Search stopped ({reason}) after {state.TrainedCount} trained children, {state.Trials.Count} proposals.");
        return new SearchOutcome(state.Trials.ToArray(), reason, state.Elapsed);
    }

    /// <summary>
    /// Trains the initial architectures, at most <see cref="SearchRunOptions.Parallelism"/> at a time and within the
    /// budget, then hands their results to the strategy. False when cancellation interrupted them (nothing learned).
    /// </summary>
    private bool EvaluateReferences(RunState state, Dictionary<int, TrialRecord> replay, SearchCheckpoint? checkpoint,
        CancellationToken cancellationToken, out SearchStopReason reason)
    {
        IReadOnlyList<ReferenceArchitecture> references = _options.InitialArchitectures;
        reason = default;
        var records = new List<TrialRecord?>();
        while (records.Count < references.Count && !state.ShouldStop(cancellationToken, out reason))
        {
            // The references are fixed, so they never wait for one another's results: one large batch.
            int want = Math.Min(BatchSize(proposalsDependOnResults: false), Math.Min(references.Count - records.Count, _options.Budget.MaxTrials - state.TrainedCount));
            ReferenceArchitecture[] chunk = references.Skip(records.Count).Take(want).ToArray();
            TrialRecord?[] done = EvaluateBatch(chunk.Select(r => r.Architecture.Tokens).ToArray(), 0, state, replay, checkpoint, cancellationToken,
                out SearchStopReason? stopped, chunk.Select(r => r.Name).ToArray());
            if (stopped is { } why)
            {
                reason = why;
                return false;
            }
            records.AddRange(done!);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            // Not learned from: a resume trains the missing references (and reuses the logged ones) before the strategy starts.
            reason = SearchStopReason.Cancelled;
            return false;
        }
        _strategy.LearnFromReferences(records.Select(r => new TrialFeedback(r!.Tokens, r.Reward, r.Result.Failed)).ToArray());
        return true;
    }

    /// <summary>
    /// The most proposals one batch holds. Parallelism when the strategy's next proposals depend on this batch's
    /// results; otherwise 16 times more, so that a worker finishing early takes the next child instead of waiting for
    /// the batch's slowest one (only the batch's end waits, for its last child: with 4 times, 64 simulated workers lost
    /// a fifth of their speed-up to those ends, with 16 times 4%; bench/simulate_orleans_scaling.py), yet bounded so that
    /// a search limited by MaxSearchTime with a huge MaxTrials does not propose millions at once.
    /// </summary>
    private int BatchSize(bool proposalsDependOnResults) =>
        proposalsDependOnResults ? _options.Parallelism : 16 * _options.Parallelism;

    /// <summary>
    /// Handles one batch: entries in index order, each trainable child started when one of the Parallelism slots is
    /// free (cancellation and MaxSearchTime are checked before each start; an entry not reached stays null and is not
    /// logged, so a resume proposes and trains it as an uninterrupted run would). Every finished child is logged as it
    /// finishes; progress is reported, and the run's trials grow, in index order. <paramref name="stopped"/> says why
    /// the batch ended early (null when every entry is filled). <paramref name="referenceNames"/> names the reference
    /// architecture of each entry (null: the strategy's proposals).
    /// </summary>
    private TrialRecord?[] EvaluateBatch(IReadOnlyList<IReadOnlyList<int>> proposals, int batch, RunState state,
        Dictionary<int, TrialRecord> replay, SearchCheckpoint? checkpoint, CancellationToken cancellationToken,
        out SearchStopReason? stopped, IReadOnlyList<string>? referenceNames = null)
    {
        int first = state.Trials.Count;
        // Every record this batch creates says whether it is a reference (a strategy proposal reusing a reference's
        // result is not one).
        TrialRecord Mark(int k, TrialRecord record) => record with { Reference = referenceNames?[k] };
        TrialRecord CopyOf(int k, TrialRecord original) =>
            Mark(k, original with { Index = first + k, Batch = batch, Kind = TrialKind.Reused, Tokens = proposals[k] });

        var records = new TrialRecord?[proposals.Count];
        var architectures = new IArchitecture?[proposals.Count]; // set for the entries to train
        var firstCopy = new int?[proposals.Count]; // for a duplicate inside this batch: the entry it reuses
        var firstSlotOfHash = new Dictionary<string, int>();

        for (int k = 0; k < proposals.Count; k++)
        {
            int index = first + k;
            if (replay.TryGetValue(index, out TrialRecord? restored))
            {
                if (!restored.Tokens.SequenceEqual(proposals[k]))
                    throw new InvalidDataException(
                        $"Checkpoint trial {index} holds [{string.Join(",", restored.Tokens)}] but the restored strategy proposed " +
                        $"[{string.Join(",", proposals[k])}]: the checkpoint does not belong to this strategy's state.");
                records[k] = restored;
                // A later copy whose own record was not logged before the interruption reuses this one, as it would have.
                if (_options.ReuseDuplicateResults && restored.Kind == TrialKind.Trained) firstSlotOfHash.TryAdd(restored.Hash, k);
                continue;
            }
            (IArchitecture? architecture, string? rejection) = Screen(proposals[k]);
            if (architecture == null)
            {
                records[k] = Mark(k, TrialRecord.Rejected(index, batch, proposals[k], rejection!));
                continue;
            }
            if (_options.ReuseDuplicateResults)
            {
                TrialRecord? earlier = state.TrainedWithHash(architecture.Hash);
                if (earlier != null)
                {
                    records[k] = CopyOf(k, earlier);
                    continue;
                }
                if (firstSlotOfHash.TryGetValue(architecture.Hash, out int slot))
                {
                    firstCopy[k] = slot; // filled from the first copy once it is trained, never trained again
                    continue;
                }
                firstSlotOfHash[architecture.Hash] = k;
            }
            architectures[k] = architecture;
        }

        TrialRecord? TrainSlot(int k)
        {
            TrialRecord? record = Train(first + k, batch, proposals[k], architectures[k]!, state, cancellationToken);
            if (record == null) return null;
            record = Mark(k, record);
            checkpoint?.AppendTrial(record); // as it finishes, from its own thread: the log is thread-safe
            return record;
        }
        Task<TrialRecord?> Start(int k)
        {
            if (_options.Parallelism > 1)
                return Task.Factory.StartNew(() => TrainSlot(k), cancellationToken: default, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                return Task.FromResult(TrainSlot(k)); // one at a time: on this thread, as a single-threaded search always did
            }
            catch (Exception e)
            {
                return Task.FromException<TrialRecord?>(e);
            }
        }
        void Fill(int k, TrialRecord record)
        {
            records[k] = record;
            if (!replay.ContainsKey(record.Index)) checkpoint?.AppendTrial(record);
        }

        var running = new Dictionary<Task<TrialRecord?>, int>();
        var waitingCopies = new List<int>();
        var failures = new List<Exception>();
        int next = 0, reported = 0;
        stopped = null;
        void ReportFinishedPrefix(bool all)
        {
            // Entries past `next` were never reached (a stop): screened ones among them are not results of this run.
            for (; reported < next && (all || records[reported] != null); reported++)
            {
                if (records[reported] is not { } r) continue;
                state.Add(r);
                _options.Progress?.Report(state.Progress(r, replay.ContainsKey(r.Index)));
            }
        }

        while (true)
        {
            // Walk the entries in index order; a child starts only when a slot is free and the search may go on.
            while (next < proposals.Count && stopped == null && failures.Count == 0)
            {
                int k = next;
                if (records[k] is { } screened)
                    Fill(k, screened);
                else if (firstCopy[k] is { } original)
                {
                    if (records[original] is { } trained) Fill(k, CopyOf(k, trained));
                    else waitingCopies.Add(k);
                }
                else
                {
                    if (running.Count >= _options.Parallelism) break;
                    stopped = state.ChildMayNotStart(cancellationToken);
                    if (stopped != null) break;
                    running.Add(Start(k), k);
                }
                next++;
            }
            ReportFinishedPrefix(all: false);
            if (running.Count == 0) break;

            Task<TrialRecord?> done = running.Keys.ElementAt(Task.WaitAny(running.Keys.ToArray()));
            int slot = running[done];
            running.Remove(done);
            if (done.IsFaulted)
                failures.AddRange(done.Exception!.InnerExceptions); // the others finish (and are logged) before it propagates
            else if (done.Result is { } record)
            {
                records[slot] = record;
                foreach (int copy in waitingCopies.Where(c => firstCopy[c] == slot).ToArray())
                {
                    Fill(copy, CopyOf(copy, record));
                    waitingCopies.Remove(copy);
                }
            }
            // Before the next child starts: a progress handler that cancels (or adds a worker) acts on the children after it.
            ReportFinishedPrefix(all: false);
        }
        if (failures.Count == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failures[0]).Throw();
        if (failures.Count > 1) throw new AggregateException(failures);

        // A child interrupted by cancellation (and its copies) stays null; the finished ones after it still count.
        ReportFinishedPrefix(all: true);
        if (stopped == null && records.Any(r => r is null)) stopped = SearchStopReason.Cancelled;
        return records;
    }

    /// <summary>Decodes and checks the budget; returns the architecture, or null and why it was rejected.</summary>
    private (IArchitecture? Architecture, string? Rejection) Screen(IReadOnlyList<int> tokens)
    {
        IArchitecture architecture;
        try
        {
            architecture = _space.Decode(tokens);
        }
        catch (ArchitectureValidationException e)
        {
            return (null, "invalid: " + e.Message);
        }
        SearchBudget budget = _options.Budget;
        if (budget.MaxParameters is { } maxParams && architecture.ParameterCount > maxParams)
            return (null, $"rejected: {architecture.ParameterCount:N0} parameters exceed MaxParameters {maxParams:N0}");
        if (budget.MaxMultiplyAdds is { } maxMacs && architecture.MultiplyAdds > maxMacs)
            return (null, $"rejected: {architecture.MultiplyAdds:N0} multiply-adds exceed MaxMultiplyAdds {maxMacs:N0}");
        if (budget.MaxMemoryBytes is { } maxBytes && _options.MemoryEstimate?.Invoke(architecture) is { } memory && memory.TotalBytes > maxBytes)
            return (null, $"rejected: training needs an estimated {memory}, over MaxMemoryPerChild {TrainingMemoryEstimate.Gigabytes(maxBytes)}");
        return (architecture, null);
    }

    private TrialRecord? Train(int index, int batch, IReadOnlyList<int> tokens, IArchitecture architecture, RunState state, CancellationToken cancellationToken)
    {
        int seed = TrialSeeds.ForTrial(_options.Seed, index);
        IEarlyStoppingRule? rule = _options.EarlyStopping;
        bool lowerIsBetter = _trainer.LowerMetricIsBetter;
        var settings = new ChildTrainingSettings
        {
            Epochs = _options.TrialEpochs,
            Seed = seed,
            TimeLimit = _options.Budget.TrialTimeLimit,
            ContinueAfterEpoch = rule == null ? null : (epoch, metric) => rule.ShouldContinue(index, epoch, lowerIsBetter ? -metric : metric),
        };
        _log.Info($"Trial {index}: training {architecture.Describe()}");
        TrialResult result;
        double? cost;
        string? worker;
        try
        {
            // Set on the thread that trains this child, for this child alone: its result depends on the count.
            using IDisposable threads = IntraOpThreads.Use(_threadsPerChild);
            using TrainedChild child = _trainer.Train(architecture, settings, cancellationToken);
            result = child.Result;
            worker = child.Worker;
            cost = result.Failed ? null : Cost(architecture, child);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null; // interrupted: not a finished trial
        }
        if (cancellationToken.IsCancellationRequested)
            return null;
        rule?.Complete(index, result.ValidationMetricPerEpoch.Select(m => lowerIsBetter ? -m : m).ToArray());
        state.RecordTrainingTime(result.WallTime);
        if (result.Failed)
            _log.Warning($"Trial {index} failed: {result.FailureReason}");
        return _options.Objective.WithCost(TrialRecord.Trained(index, batch, tokens, architecture, result, seed) with { Worker = worker }, cost);
    }

    /// <summary>The trained child's cost under the objective; null when it has none.</summary>
    private double? Cost(IArchitecture architecture, TrainedChild child) => _options.Objective.Cost == ObjectiveCost.Latency
        ? _trainer.MeasureLatencyMilliseconds(child, _options.Objective.LatencyRuns, _options.Objective.LatencyThreads)
        : _options.Objective.StructuralCost(architecture);

    /// <summary>Counters of a run; touched by the loop thread, except <see cref="RecordTrainingTime"/>.</summary>
    private sealed class RunState
    {
        private readonly SearchBudget _budget;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Dictionary<string, TrialRecord> _trainedByHash = new();
        private long _trainingTicks;
        private int _timedTrials;

        public RunState(SearchBudget budget) => _budget = budget;

        public List<TrialRecord> Trials { get; } = new();

        public int TrainedCount { get; private set; }

        public TrialRecord? Best { get; private set; }

        public TimeSpan PriorElapsed { get; set; }

        public TimeSpan Elapsed => PriorElapsed + _clock.Elapsed;

        public void Add(TrialRecord trial)
        {
            Trials.Add(trial);
            if (trial.Kind != TrialKind.Trained) return;
            TrainedCount++;
            _trainedByHash.TryAdd(trial.Hash, trial);
            if (!trial.Result.Failed && (Best == null || trial.Reward > Best.Reward)) Best = trial;
        }

        public TrialRecord? TrainedWithHash(string hash) => _trainedByHash.GetValueOrDefault(hash);

        public void RecordTrainingTime(TimeSpan time)
        {
            Interlocked.Add(ref _trainingTicks, time.Ticks);
            Interlocked.Increment(ref _timedTrials);
        }

        private bool OutOfTime => _budget.MaxSearchTime is { } max && Elapsed >= max;

        /// <summary>Why no further child may start (cancellation, MaxSearchTime); null when one may.</summary>
        public SearchStopReason? ChildMayNotStart(CancellationToken token) =>
            token.IsCancellationRequested ? SearchStopReason.Cancelled : OutOfTime ? SearchStopReason.MaxSearchTimeReached : null;

        public bool ShouldStop(CancellationToken token, out SearchStopReason reason)
        {
            reason = default;
            if (token.IsCancellationRequested) reason = SearchStopReason.Cancelled;
            else if (TrainedCount >= _budget.MaxTrials) reason = SearchStopReason.MaxTrialsReached;
            else if (OutOfTime) reason = SearchStopReason.MaxSearchTimeReached;
            else if (Trials.Count >= _budget.ProposalCap) reason = SearchStopReason.ProposalCapReached;
            else return false;
            return true;
        }

        public SearchProgress Progress(TrialRecord trial, bool restored)
        {
            TimeSpan? remaining = null;
            int timed = Volatile.Read(ref _timedTrials);
            if (timed > 0)
            {
                var perTrial = TimeSpan.FromTicks(Interlocked.Read(ref _trainingTicks) / timed);
                remaining = perTrial * Math.Max(0, _budget.MaxTrials - TrainedCount);
                if (_budget.MaxSearchTime is { } max && max - Elapsed < remaining)
                    remaining = max - Elapsed < TimeSpan.Zero ? TimeSpan.Zero : max - Elapsed;
            }
            return new SearchProgress
            {
                Trial = trial,
                TrainedTrials = TrainedCount,
                MaxTrials = _budget.MaxTrials,
                Best = Best,
                Elapsed = Elapsed,
                EstimatedRemaining = remaining,
                Restored = restored,
            };
        }
    }
}
