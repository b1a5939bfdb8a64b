using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

namespace Microsoft.ML.ArchitectureSearch.Strategies;

/// <summary>Creates the strategy a <see cref="SearchStrategy"/> names.</summary>
internal static class SearchStrategies
{
    public static ISearchStrategy Create(SearchStrategy kind, ISearchSpace space, int seed,
        ReinforceOptions? reinforce = null, EvolutionOptions? evolution = null) => kind switch
    {
        SearchStrategy.Reinforce => new ReinforceStrategy(space, seed, reinforce),
        SearchStrategy.Random => new RandomStrategy(space, seed),
        SearchStrategy.Evolution => new EvolutionStrategy(space, seed, evolution),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown search strategy."),
    };
}
