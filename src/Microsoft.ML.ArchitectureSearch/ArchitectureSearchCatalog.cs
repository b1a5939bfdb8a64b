using Microsoft.ML.ArchitectureSearch;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

namespace Microsoft.ML;

/// <summary>Entry point: <c>mlContext.Transforms.ArchitectureSearch(options)</c>.</summary>
public static class ArchitectureSearchCatalog
{
    /// <summary>
    /// An estimator that searches for a neural network architecture for the task in <paramref name="options"/>,
    /// trains the best one and returns it as an <see cref="ArchitectureSearchTransformer"/>. When
    /// <see cref="ArchitectureSearchOptions.Seed"/> is null the MLContext's seed is used.
    /// </summary>
    public static ArchitectureSearchEstimator ArchitectureSearch(this TransformsCatalog catalog, ArchitectureSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ArchitectureSearchEstimator(MLNetInternalsAccess.GetEnvironment(catalog), options);
    }
}
