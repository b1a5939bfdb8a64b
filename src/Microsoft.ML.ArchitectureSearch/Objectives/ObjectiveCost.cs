namespace Microsoft.ML.ArchitectureSearch.Objectives;

/// <summary>What a child costs, for <see cref="SearchObjective"/>.</summary>
public enum ObjectiveCost
{
    /// <summary>No cost: the search optimises the task's reward (accuracy or perplexity) alone.</summary>
    None,

    /// <summary>Trainable parameters of the child network.</summary>
    Parameters,

    /// <summary>Multiply-adds of one forward pass for one example (one image; one token for language models).</summary>
    MultiplyAdds,

    /// <summary>
    /// Measured CPU (or device) inference latency in milliseconds per example: one image, or one token of one sequence,
    /// timed in this process on the trained child, the median of <see cref="SearchObjective.LatencyRuns"/> runs.
    /// </summary>
    Latency,
}
