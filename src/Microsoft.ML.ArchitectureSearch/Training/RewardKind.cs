namespace Microsoft.ML.ArchitectureSearch.Training;

/// <summary>How a child's validation metrics become the reward the controller learns from.</summary>
public enum RewardKind
{
    /// <summary>
    /// Zoph &amp; Le 2017. Images: (max validation accuracy over the last 5 epochs)^3.
    /// Language models: c / (validation perplexity)^2.
    /// </summary>
    ZophLe,

    /// <summary>Images: the best validation accuracy. Language models: 1 / validation perplexity.</summary>
    Plain,
}
