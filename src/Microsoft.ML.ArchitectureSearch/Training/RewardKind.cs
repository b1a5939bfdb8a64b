namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>How a child's validation metrics become the reward the controller learns from.</summary>
public enum RewardKind
{
    /// <summary>
    /// Zoph &amp; Le 2017. Images: (max validation accuracy over the last 5 epochs)^3.
    /// Language models: c / (validation perplexity)^2.
    /// </summary>
    ZophLe,

    /// <summary>
    /// ENAS (Pham et al. 2018). Images: the best validation accuracy. Language models: c / validation perplexity
    /// with c = 80.
    /// </summary>
    Plain,
}

/// <summary>
/// The reward a search uses when the training options leave it unset: Zoph &amp; Le's when children train separately,
/// ENAS's plain one with weight sharing. Shared-weight accuracies of a few tenths, cubed, differ by a few thousandths,
/// which the controller's entropy bonus and noise drown (measured: mean sampled rewards of 0.0007-0.0015 in the
/// ENAS smoke run); ENAS rewards the accuracy itself.
/// </summary>
internal static class DefaultRewards
{
    public const RewardKind SeparateTraining = RewardKind.ZophLe;
    public const RewardKind WeightSharing = RewardKind.Plain;
}
