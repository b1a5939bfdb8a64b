namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

/// <summary>The non-linearity after every layer's batch norm (and after the stem).</summary>
public enum CnnActivation
{
    /// <summary>max(0, x) (Zoph &amp; Le).</summary>
    ReLU,

    /// <summary>x * Phi(x), the exact (erf) form; fast CIFAR networks such as airbench use it.</summary>
    GELU,
}
