namespace Microsoft.ML.ArchitectureSearch.Execution.WeightSharing;

/// <summary>
/// What a weight-sharing search measured per shared epoch, for its report: the shared network's mean training loss, the
/// mean reward of the children the strategy scored after the epoch, and the controller's mean sampling entropy (NaN for
/// strategies without a controller). Entries are in epoch order; an epoch cut short by the time budget may lack rewards.
/// </summary>
internal sealed record WeightSharingCurves(IReadOnlyList<double> TrainingLoss, IReadOnlyList<double> MeanReward, IReadOnlyList<double> Entropy);
