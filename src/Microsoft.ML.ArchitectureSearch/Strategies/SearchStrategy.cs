namespace Microsoft.ML.ArchitectureSearch;

/// <summary>How the architecture search proposes candidate networks.</summary>
public enum SearchStrategy { Reinforce, Random, Evolution }
