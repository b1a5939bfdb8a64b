using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>
/// Trains one network that holds the weights of every child of a space, and scores children on those shared weights
/// (ENAS): what a weight-sharing search uses instead of an <see cref="IChildTrainer"/>. One call at a time.
/// </summary>
internal interface ISharedWeightTrainer : IDisposable
{
    /// <summary>
    /// One pass over the training rows, each mini-batch training the shared weights through the sub-graph of a freshly
    /// sampled child; stops early (between batches) when <paramref name="stop"/> says so. Returns the mean training
    /// loss of the batches run (NaN when none ran).
    /// </summary>
    double TrainEpoch(Func<IArchitecture> sampleChild, Func<bool> stop, CancellationToken cancellationToken);

    /// <summary>The child's result on shared weights: on one random validation mini-batch, or on every validation row.</summary>
    TrialResult Score(IArchitecture child, bool allValidationRows);

    /// <summary>
    /// The child's inference latency as a network of its own, in milliseconds per example, timed as a separately trained
    /// child is (<see cref="IChildTrainer.MeasureLatencyMilliseconds"/>): on a stand-alone network of the architecture
    /// built for the timing and disposed after it, since a forward pass takes the same time whatever its weights are.
    /// </summary>
    double MeasureLatencyMilliseconds(IArchitecture child, int runs, int? threads);

    /// <summary>
    /// Writes everything a resumed run needs to continue exactly as an uninterrupted one from this point: the shared
    /// weights, the optimizer's state, the position of every random generator the trainer draws from and its place in
    /// the learning-rate schedule. Called between epochs (a checkpoint).
    /// </summary>
    void SaveState(Stream stream);

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote into a trainer built with the same space, data, options and seed;
    /// throws <see cref="InvalidDataException"/> naming the problem when the state is truncated or does not fit.
    /// </summary>
    void LoadState(Stream stream);
}
