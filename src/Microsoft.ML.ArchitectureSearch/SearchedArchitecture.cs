namespace Microsoft.ML.ArchitectureSearch;

/// <summary>The architecture an <see cref="ArchitectureSearchTransformer"/> holds: the best one the search found.</summary>
/// <param name="SearchSpace">Name of the search space the architecture comes from ("cnn", "recurrent-cell", "enas-cell").</param>
/// <param name="SpaceFingerprint">Fingerprint of the search space's settings; two spaces with equal fingerprints decode tokens alike.</param>
/// <param name="Hash">Short hash of fingerprint and decisions, stable across runs.</param>
/// <param name="Json">
/// The architecture document: the space's name and settings and the layers (CNN) or cell (recurrent), enough to rebuild
/// the network. The same document <see cref="ArchitectureSearchOptions.FixedArchitecture"/> accepts, a report's
/// best-architecture.json holds and each <see cref="Execution.TrialRecord.ArchitectureJson"/> is.
/// </param>
/// <param name="Description">Human-readable description, for logs and reports.</param>
/// <param name="ParameterCount">Trainable parameters of the network.</param>
public sealed record SearchedArchitecture(
    string SearchSpace, string SpaceFingerprint, string Hash, string Json, string Description, long ParameterCount)
{
    /// <inheritdoc/>
    public override string ToString() => Description;
}
