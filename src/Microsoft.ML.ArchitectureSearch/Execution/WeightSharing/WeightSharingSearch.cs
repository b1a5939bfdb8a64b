using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;

/// <summary>How a weight-sharing search runs.</summary>
internal sealed record WeightSharingRunOptions
{
    /// <summary>Passes of the shared network over the training rows, each followed by a strategy phase.</summary>
    public int SharedEpochs { get; init; } = 1;

    /// <summary>Children the strategy proposes, scores on a validation mini-batch and learns from after each shared epoch.</summary>
    public int ChildrenPerEpoch { get; init; } = 20;

    /// <summary>
    /// Children sampled at the end and scored on every validation row; the best of them is the search's winner. Ten:
    /// a mini-batch score is too noisy to pick a winner from, and scoring every row costs a forward pass over the
    /// validation rows per candidate.
    /// </summary>
    public int FinalCandidates { get; init; } = 10;

    /// <summary>No further shared training or strategy phase starts after this (the final scoring still runs).</summary>
    public TimeSpan? MaxSearchTime { get; init; }

    /// <summary>Root of the trials' seeds (the winner's is its final training's).</summary>
    public int Seed { get; init; }

    /// <summary>Receives a report after every scored child.</summary>
    public IProgress<SearchProgress>? Progress { get; init; }

    /// <summary>Where the search is checkpointed after every shared epoch and resumed from; null: no checkpoint.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Digest of the search's data, so that a checkpoint is never resumed on other data.</summary>
    public string DataFingerprint { get; init; } = "";

    /// <summary>
    /// Known architectures scored on every validation row beside the final candidates, marked as references: one of
    /// them is the winner when it scores best. They neither train the shared weights nor teach the strategy.
    /// </summary>
    public IReadOnlyList<ReferenceArchitecture> References { get; init; } = Array.Empty<ReferenceArchitecture>();

    /// <summary>
    /// What the children's rewards include: the shared-weight reward alone, or times a cost's factor (parameters,
    /// multiply-adds, or the latency of the child built as a network of its own).
    /// </summary>
    public SearchObjective Objective { get; init; } = new();
}

/// <summary>
/// ENAS's alternation (Pham et al. 2018) behind any strategy: train the shared weights for an epoch, every mini-batch
/// through a freshly sampled child (<see cref="IChildSampler"/>); then let the strategy propose children, score each on
/// a validation mini-batch of the shared weights and learn from the scores; after the last epoch, sample
/// <see cref="WeightSharingRunOptions.FinalCandidates"/> children, score each and the
/// <see cref="WeightSharingRunOptions.References"/> on every validation row and pick the best.
/// Every scored child is a trial of the history; its batch is the shared epoch it was scored after (the final candidates
/// form the batch after the last epoch run). With Reinforce this is ENAS; with Random it is random search with weight
/// sharing (Li &amp; Talwalkar 2019); with Evolution, evolution on shared-weight fitness.
/// <para>
/// With a checkpoint directory every scored child is logged as it is scored, and after every shared epoch the whole
/// position (<see cref="WeightSharingState"/>) is saved atomically. A resumed run loads the last saved position and runs
/// the unfinished epoch again: on the CPU it retrains and rescores exactly as before, so its children are checked
/// against the logged ones and not logged twice, and the run ends as an uninterrupted one would.
/// </para>
/// </summary>
internal sealed class WeightSharingSearch
{
    private readonly Dictionary<string, double> _latencies = new();
    private readonly ISearchStrategy _strategy;
    private readonly IChildSampler _sampler;
    private readonly ISharedWeightTrainer _trainer;
    private readonly WeightSharingRunOptions _options;
    private readonly ISearchLog _log;
    private readonly List<TrialRecord> _trials = new();
    private readonly Stopwatch _clock = new();
    private WeightSharingState _state = new();
    private Dictionary<int, TrialRecord> _replay = new();
    private SearchCheckpoint? _checkpoint;
    private TimeSpan _priorElapsed;
    private TrialRecord? _best;

    public WeightSharingSearch(ISearchStrategy strategy, ISharedWeightTrainer trainer, WeightSharingRunOptions options, ISearchLog? log = null)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _sampler = strategy as IChildSampler
            ?? throw new ArgumentException($"The {strategy.Name} strategy cannot sample children for weight-sharing training.", nameof(strategy));
        _trainer = trainer ?? throw new ArgumentNullException(nameof(trainer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.SharedEpochs < 1 || options.ChildrenPerEpoch < 1 || options.FinalCandidates < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "SharedEpochs, ChildrenPerEpoch and FinalCandidates must be positive.");
        _log = log ?? NullSearchLog.Instance;
    }

    /// <summary>
    /// The manifest a checkpoint of this search carries: the schedule is part of what the search means (the learning
    /// rate spans the planned shared epochs), so a checkpoint resumes only with the same one.
    /// </summary>
    public CheckpointManifest Manifest => new()
    {
        SearchSpace = _strategy.Space.Name,
        SearchSpaceFingerprint = _strategy.Space.Fingerprint,
        Strategy = _strategy.Name,
        Seed = _options.Seed,
        TrialEpochs = 0,
        ReuseDuplicateResults = false,
        DataFingerprint = _options.DataFingerprint,
        Objective = _options.Objective.ToCanonicalText(),
        WeightSharing = string.Create(CultureInfo.InvariantCulture,
            $"{_options.SharedEpochs} shared epochs, {_options.ChildrenPerEpoch} children per epoch, {_options.FinalCandidates} final candidates") +
            (_options.References.Count == 0 ? "" : ", references " + string.Join(", ", _options.References.Select(r => r.Architecture.Hash))),
    };

    /// <summary>Mean training loss of each shared epoch run.</summary>
    public IReadOnlyList<double> SharedTrainingLoss => _state.SharedTrainingLoss;

    /// <summary>Mean reward of the children the strategy scored after each shared epoch.</summary>
    public IReadOnlyList<double> MeanRewardPerEpoch => _state.MeanRewardPerEpoch;

    /// <summary>Mean entropy of the controller at the proposals of each strategy phase (Reinforce only; NaN for the others).</summary>
    public IReadOnlyList<double> ControllerEntropyPerEpoch => _state.ControllerEntropyPerEpoch;

    /// <summary>Runs (or resumes) the search. Cancelling keeps the children scored so far; the best of them is the winner.</summary>
    public SearchOutcome Run(CancellationToken cancellationToken)
    {
        using SearchCheckpoint? checkpoint = _options.CheckpointDirectory is { } dir ? SearchCheckpoint.Open(dir, Manifest, _log) : null;
        _checkpoint = checkpoint;
        Restore(checkpoint);
        _clock.Restart();
        ISearchSpace space = _strategy.Space;
        SearchStopReason reason = SearchStopReason.SharedEpochsCompleted;
        try
        {
            for (int epoch = _state.EpochsDone; epoch < _options.SharedEpochs && !_state.EpochsOver; epoch++)
            {
                if (Stopping(cancellationToken, out reason))
                    break;
                double loss = _trainer.TrainEpoch(() => SampleValidChild(space), TimeUp, cancellationToken);
                _state.SharedTrainingLoss.Add(loss);
                int before = _trials.Count;
                for (int k = 0; k < _options.ChildrenPerEpoch && !Stopping(cancellationToken, out reason); k++)
                {
                    TrialRecord record = Score(_strategy.Propose(1)[0], epoch, allValidationRows: false);
                    _strategy.Learn(new[] { new TrialFeedback(record.Tokens, record.Reward, record.Result.Failed) });
                }

                double meanReward = _trials.Count > before ? _trials.Skip(before).Average(t => t.Reward) : double.NaN;
                _state.MeanRewardPerEpoch.Add(meanReward);
                double entropy = _strategy is ReinforceStrategy controller ? controller.TakeMeanProposalEntropy() : double.NaN;
                _state.ControllerEntropyPerEpoch.Add(entropy);
                _state.EpochsDone = epoch + 1;
                _log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"Shared epoch {epoch + 1}/{_options.SharedEpochs}: training loss {loss:0.####}, {_trials.Count - before} children scored, mean reward {meanReward:0.####}") +
                    (double.IsNaN(entropy) ? "" : string.Create(CultureInfo.InvariantCulture, $", controller entropy {entropy:0.###}")) +
                    string.Create(CultureInfo.InvariantCulture, $" ({Elapsed.TotalSeconds:0} s)."));
                if (reason != SearchStopReason.SharedEpochsCompleted)
                    break;
                Save();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = SearchStopReason.Cancelled;
        }

        // Only the time budget ends the epochs early without cancelling; a run resumed after that reads it from the
        // saved state (the epochs are over, fewer than planned), not from its own clock.
        if (reason == SearchStopReason.SharedEpochsCompleted && _state.EpochsDone < _options.SharedEpochs)
            reason = SearchStopReason.MaxSearchTimeReached;

        // The final sampling runs unless cancelled: it is what the time budget was spent for, and it is short. The
        // epochs are over from here on, also for a resumed run whose time budget had not run out.
        // The outcome's winner is the best of these final candidates (SearchOutcome.WinnerOf tells them by their metric).
        if (reason != SearchStopReason.Cancelled)
        {
            if (!_state.EpochsOver)
            {
                _state.EpochsOver = true;
                Save();
            }
            foreach (IReadOnlyList<int> tokens in _strategy.Propose(_options.FinalCandidates))
                Score(tokens, _state.EpochsDone, allValidationRows: true);
            foreach (ReferenceArchitecture reference in _options.References)
                Score(reference.Architecture.Tokens, _state.EpochsDone, allValidationRows: true, reference.Name);
        }

        _checkpoint = null;
        return new SearchOutcome(_trials.ToArray(), reason, Elapsed) { SharedCurves = _state.Curves };
    }

    /// <summary>Loads the last saved position; the logged children after it are checked against their rescoring.</summary>
    private void Restore(SearchCheckpoint? checkpoint)
    {
        _state = new WeightSharingState();
        _trials.Clear();
        _best = null;
        _priorElapsed = TimeSpan.Zero;
        IReadOnlyList<TrialRecord> logged = checkpoint?.RestoredTrials ?? Array.Empty<TrialRecord>();
        int learned = 0;
        if (checkpoint?.RestoredState is { } saved)
        {
            _state = WeightSharingState.Read(saved.State, _strategy, _trainer);
            learned = saved.BatchesLearned;
            if (learned != _state.EpochsDone)
                throw new InvalidDataException($"Checkpoint '{checkpoint.Directory}' is inconsistent: its state records {_state.EpochsDone} shared epochs but {learned} learned batches.");
            _priorElapsed = saved.Elapsed;
            foreach (TrialRecord t in logged.Where(t => t.Batch < learned))
                Add(t);
            _log.Info($"Weight-sharing search resumed after {_state.EpochsDone} of {_options.SharedEpochs} shared epochs" +
                (_state.EpochsOver ? " (the epochs are over; the final candidates are sampled next)." : "; the next epoch runs from its start."));
        }
        _replay = logged.Where(t => t.Batch >= learned).ToDictionary(t => t.Index);
    }

    /// <summary>Saves the position after an epoch (or once the epochs are over), with the trials scored so far.</summary>
    private void Save() =>
        _checkpoint?.SaveState(_state.EpochsDone, _trials.Count, Elapsed, stream => _state.Write(stream, _strategy, _trainer));

    /// <summary>A sample that decodes (a space's parameter or multiply-add limit can refuse one); gives up after many tries.</summary>
    private IArchitecture SampleValidChild(ISearchSpace space)
    {
        const int Tries = 1000;
        for (int t = 0; t < Tries; t++)
        {
            try
            {
                return space.Decode(_sampler.SampleChild());
            }
            catch (ArchitectureValidationException)
            {
            }
        }

        throw new InvalidOperationException($"{Tries} sampled children in a row broke the space's limits; loosen MaxParameters or MaxMultiplyAdds.");
    }

    private TrialRecord Score(IReadOnlyList<int> tokens, int batch, bool allValidationRows, string? reference = null)
    {
        int index = _trials.Count;
        TrialRecord record;
        try
        {
            IArchitecture child = _strategy.Space.Decode(tokens);
            RememberLoggedLatency(index, child);
            // Scored even when the log holds the result: scoring a mini-batch draws from the trainer's generator.
            TrialResult result = _trainer.Score(child, allValidationRows);
            record = _options.Objective.WithCost(TrialRecord.Trained(index, batch, tokens, child, result, TrialSeeds.ForTrial(_options.Seed, index)),
                result.Failed ? null : Cost(child));
        }
        catch (ArchitectureValidationException e)
        {
            record = TrialRecord.Rejected(index, batch, tokens, "invalid: " + e.Message);
        }
        record = record with { Reference = reference };

        bool restored = _replay.TryGetValue(index, out TrialRecord? logged);
        if (restored)
        {
            if (!logged!.Tokens.SequenceEqual(tokens))
                throw new InvalidDataException(
                    $"Checkpoint trial {index} holds [{string.Join(",", logged.Tokens)}] but the restored search proposed [{string.Join(",", tokens)}]: " +
                    "the checkpoint does not belong to this search's state.");
            record = logged; // the logged record is the history's, and the log keeps one line per trial
        }
        else
        {
            _checkpoint?.AppendTrial(record);
        }

        Add(record);
        _options.Progress?.Report(new SearchProgress
        {
            Trial = record,
            TrainedTrials = _trials.Count(t => t.Kind == TrialKind.Trained),
            MaxTrials = _options.SharedEpochs * _options.ChildrenPerEpoch + _options.FinalCandidates + _options.References.Count,
            Best = _best,
            Elapsed = Elapsed,
            Restored = restored,
        });
        return record;
    }

    /// <summary>
    /// The objective's cost of <paramref name="child"/>: structural, or its latency, timed once per architecture (a
    /// controller samples the same child many times; the first timing stands for all, as a lookup table would).
    /// </summary>
    private double? Cost(IArchitecture child)
    {
        SearchObjective objective = _options.Objective;
        if (objective.Cost != ObjectiveCost.Latency)
            return objective.StructuralCost(child);
        if (!_latencies.TryGetValue(child.Hash, out double milliseconds))
            _latencies[child.Hash] = milliseconds = _trainer.MeasureLatencyMilliseconds(child, objective.LatencyRuns, objective.LatencyThreads);
        return milliseconds;
    }

    /// <summary>
    /// A resumed search takes a logged trial's latency instead of timing its architecture again: a timing is a
    /// measurement, so later samples of the architecture then get the cost the uninterrupted run gave them.
    /// </summary>
    private void RememberLoggedLatency(int index, IArchitecture child)
    {
        if (_options.Objective.Cost == ObjectiveCost.Latency && _replay.TryGetValue(index, out TrialRecord? logged) && logged.Cost is double milliseconds)
            _latencies.TryAdd(child.Hash, milliseconds);
    }

    private void Add(TrialRecord record)
    {
        _trials.Add(record);
        if (record.Kind == TrialKind.Trained && (_best == null || record.Reward > _best.Reward))
            _best = record;
    }

    private TimeSpan Elapsed => _priorElapsed + _clock.Elapsed;

    private bool TimeUp() => _options.MaxSearchTime is { } max && Elapsed >= max;

    private bool Stopping(CancellationToken token, out SearchStopReason reason)
    {
        token.ThrowIfCancellationRequested();
        reason = TimeUp() ? SearchStopReason.MaxSearchTimeReached : SearchStopReason.SharedEpochsCompleted;
        return reason != SearchStopReason.SharedEpochsCompleted;
    }
}
