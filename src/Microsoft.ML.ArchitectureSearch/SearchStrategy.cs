namespace Microsoft.ML.ArchitectureSearch;

/// <summary>How the architecture search proposes candidate networks.</summary>
public enum SearchStrategy
{
    /// <summary>Zoph &amp; Le's controller RNN trained with REINFORCE on the children's rewards.</summary>
    Reinforce,

    /// <summary>Uniform random sampling: the baseline every search result should beat.</summary>
    Random,

    /// <summary>Regularized (aging) evolution, Real et al. 2019.</summary>
    Evolution,
}
