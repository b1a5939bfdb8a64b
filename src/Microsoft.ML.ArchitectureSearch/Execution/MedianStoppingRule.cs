namespace Microsoft.ML.ArchitectureSearch.Execution;

/// <summary>
/// The median stopping rule (Golovin et al., "Google Vizier", 2017): stop a child after epoch e when its best score so
/// far is worse than the median, over earlier completed children, of their running-average score up to epoch e.
/// Children that completed their epochs are the reference; stopped children do not lower the bar.
/// </summary>
internal sealed class MedianStoppingRule : IEarlyStoppingRule
{
    private readonly object _gate = new();
    private readonly List<double[]> _completed = new();

    /// <param name="minCompletedTrials">No child is stopped until this many children have completed.</param>
    /// <param name="graceEpochs">Epochs every child trains before it may be stopped.</param>
    public MedianStoppingRule(int minCompletedTrials = 3, int graceEpochs = 1)
    {
        if (minCompletedTrials < 1) throw new ArgumentOutOfRangeException(nameof(minCompletedTrials));
        if (graceEpochs < 1) throw new ArgumentOutOfRangeException(nameof(graceEpochs));
        MinCompletedTrials = minCompletedTrials;
        GraceEpochs = graceEpochs;
    }

    public int MinCompletedTrials { get; }

    public int GraceEpochs { get; }

    private readonly Dictionary<int, double> _bestSoFar = new();

    /// <summary>Epochs not trained because children were stopped early (the budget saved).</summary>
    public int EpochsSaved { get; private set; }

    /// <summary>How many children were stopped.</summary>
    public int StoppedTrials { get; private set; }

    /// <summary>Epochs each child would train when not stopped; used to count <see cref="EpochsSaved"/>.</summary>
    public int PlannedEpochs { get; set; }

    public bool ShouldContinue(int trial, int epoch, double score)
    {
        lock (_gate)
        {
            double best = _bestSoFar.TryGetValue(trial, out double b) ? Math.Max(b, score) : score;
            _bestSoFar[trial] = best;
            if (epoch + 1 < GraceEpochs) return true;
            double? median = MedianRunningAverage(epoch);
            if (median is null || best >= median.Value) return true;
            StoppedTrials++;
            if (PlannedEpochs > epoch + 1) EpochsSaved += PlannedEpochs - (epoch + 1);
            return false;
        }
    }

    public void Complete(int trial, IReadOnlyList<double> scores)
    {
        lock (_gate)
        {
            _bestSoFar.Remove(trial);
            if (PlannedEpochs == 0 || scores.Count >= PlannedEpochs)
                _completed.Add(scores.ToArray());
        }
    }

    /// <summary>Median over completed children (that reached this epoch) of mean(score[0..epoch]); null if too few.</summary>
    private double? MedianRunningAverage(int epoch)
    {
        var averages = new List<double>();
        foreach (double[] curve in _completed)
            if (curve.Length > epoch)
                averages.Add(curve.Take(epoch + 1).Average());
        if (averages.Count < MinCompletedTrials) return null;
        averages.Sort();
        int n = averages.Count;
        return n % 2 == 1 ? averages[n / 2] : (averages[n / 2 - 1] + averages[n / 2]) / 2;
    }
}
