namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>
/// A strategy that also picks the child each mini-batch of weight-sharing training runs through (ENAS trains the
/// shared weights on the controller's own samples). A sample is not a proposal: it is never learned from, and it
/// draws from the strategy's seeded generator, so a saved strategy state still continues the same run.
/// </summary>
internal interface IChildSampler
{
    /// <summary>Tokens of the child for the next training mini-batch.</summary>
    IReadOnlyList<int> SampleChild();
}
