namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>Start with <see cref="InitialLayers"/> active layers and add one every <see cref="ProposalsPerLayer"/> proposals.</summary>
public sealed record ProgressiveDepth(int InitialLayers = 2, int ProposalsPerLayer = 50)
{
    internal int ActiveLayers(long proposalsSoFar) => InitialLayers + (int)(proposalsSoFar / ProposalsPerLayer);

    internal void Validate()
    {
        if (InitialLayers < 1) throw new ArgumentOutOfRangeException(nameof(InitialLayers), InitialLayers, "InitialLayers must be at least 1.");
        if (ProposalsPerLayer < 1) throw new ArgumentOutOfRangeException(nameof(ProposalsPerLayer), ProposalsPerLayer, "ProposalsPerLayer must be at least 1.");
    }
}
