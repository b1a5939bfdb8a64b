using System.Diagnostics;
using System.Globalization;
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
}

/// <summary>
/// ENAS's alternation (Pham et al. 2018) behind any strategy: train the shared weights for an epoch, every mini-batch
/// through a freshly sampled child (<see cref="IChildSampler"/>); then let the strategy propose children, score each on
/// a validation mini-batch of the shared weights and learn from the scores; after the last epoch, sample
/// <see cref="WeightSharingRunOptions.FinalCandidates"/> children, score each on every validation row and pick the best.
/// Every scored child is a trial of the history. With Reinforce this is ENAS; with Random it is random search with
/// weight sharing (Li &amp; Talwalkar 2019); with Evolution, evolution on shared-weight fitness.
/// </summary>
internal sealed class WeightSharingSearch
{
    private readonly ISearchStrategy _strategy;
    private readonly IChildSampler _sampler;
    private readonly ISharedWeightTrainer _trainer;
    private readonly WeightSharingRunOptions _options;
    private readonly ISearchLog _log;
    private readonly List<TrialRecord> _trials = new();
    private readonly Stopwatch _clock = new();
    private TrialRecord? _best;
    private int _batch;

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

    /// <summary>Mean training loss of each shared epoch run.</summary>
    public List<double> SharedTrainingLoss { get; } = new();

    /// <summary>Mean reward of the children the strategy scored after each shared epoch.</summary>
    public List<double> MeanRewardPerEpoch { get; } = new();

    /// <summary>Mean entropy of the controller at the proposals of each strategy phase (Reinforce only; NaN for the others).</summary>
    public List<double> ControllerEntropyPerEpoch { get; } = new();

    /// <summary>Runs the search. Cancelling keeps the children scored so far; the best of them is the winner.</summary>
    public SearchOutcome Run(CancellationToken cancellationToken)
    {
        _clock.Restart();
        ISearchSpace space = _strategy.Space;
        SearchStopReason reason = SearchStopReason.SharedEpochsCompleted;
        try
        {
            for (int epoch = 0; epoch < _options.SharedEpochs; epoch++)
            {
                if (Stopping(cancellationToken, out reason))
                    break;
                double loss = _trainer.TrainEpoch(() => SampleValidChild(space), TimeUp, cancellationToken);
                SharedTrainingLoss.Add(loss);
                int before = _trials.Count;
                for (int k = 0; k < _options.ChildrenPerEpoch && !Stopping(cancellationToken, out reason); k++)
                {
                    TrialRecord record = Score(_strategy.Propose(1)[0], allValidationRows: false);
                    _strategy.Learn(new[] { new TrialFeedback(record.Tokens, record.Reward, record.Result.Failed) });
                }

                double meanReward = _trials.Count > before ? _trials.Skip(before).Average(t => t.Reward) : double.NaN;
                MeanRewardPerEpoch.Add(meanReward);
                double entropy = _strategy is ReinforceStrategy controller ? controller.TakeMeanProposalEntropy() : double.NaN;
                ControllerEntropyPerEpoch.Add(entropy);
                _log.Info(string.Create(CultureInfo.InvariantCulture,
                    $"Shared epoch {epoch + 1}/{_options.SharedEpochs}: training loss {loss:0.####}, {_trials.Count - before} children scored, mean reward {meanReward:0.####}") +
                    (double.IsNaN(entropy) ? "" : string.Create(CultureInfo.InvariantCulture, $", controller entropy {entropy:0.###}")) +
                    string.Create(CultureInfo.InvariantCulture, $" ({_clock.Elapsed.TotalSeconds:0} s)."));
                if (reason != SearchStopReason.SharedEpochsCompleted)
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = SearchStopReason.Cancelled;
        }

        // The final sampling runs unless cancelled: it is what the time budget was spent for, and it is short.
        var finalists = new List<TrialRecord>();
        if (reason != SearchStopReason.Cancelled)
        {
            _batch++;
            foreach (IReadOnlyList<int> tokens in _strategy.Propose(_options.FinalCandidates))
                finalists.Add(Score(tokens, allValidationRows: true));
        }

        return new SearchOutcome(_trials.ToArray(), reason, _clock.Elapsed, finalists.Count > 0 ? finalists : null);
    }

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

    private TrialRecord Score(IReadOnlyList<int> tokens, bool allValidationRows)
    {
        int index = _trials.Count;
        TrialRecord record;
        try
        {
            IArchitecture child = _strategy.Space.Decode(tokens);
            int batch = allValidationRows ? _batch : _batch++; // the final candidates form one batch
            record = TrialRecord.Trained(index, batch, tokens, child, _trainer.Score(child, allValidationRows), TrialSeeds.ForTrial(_options.Seed, index));
        }
        catch (ArchitectureValidationException e)
        {
            record = TrialRecord.Rejected(index, _batch++, tokens, "invalid: " + e.Message);
        }

        _trials.Add(record);
        if (record.Kind == TrialKind.Trained && (_best == null || record.Reward > _best.Reward))
            _best = record;
        _options.Progress?.Report(new SearchProgress
        {
            Trial = record,
            TrainedTrials = _trials.Count(t => t.Kind == TrialKind.Trained),
            MaxTrials = _options.SharedEpochs * _options.ChildrenPerEpoch + _options.FinalCandidates,
            Best = _best,
            Elapsed = _clock.Elapsed,
        });
        return record;
    }

    private bool TimeUp() => _options.MaxSearchTime is { } max && _clock.Elapsed >= max;

    private bool Stopping(CancellationToken token, out SearchStopReason reason)
    {
        token.ThrowIfCancellationRequested();
        reason = TimeUp() ? SearchStopReason.MaxSearchTimeReached : SearchStopReason.SharedEpochsCompleted;
        return reason != SearchStopReason.SharedEpochsCompleted;
    }
}
