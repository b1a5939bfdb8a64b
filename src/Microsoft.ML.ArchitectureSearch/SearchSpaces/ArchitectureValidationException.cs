namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>An architecture (token sequence or JSON) that its search space does not accept, or that breaks a limit.</summary>
internal sealed class ArchitectureValidationException : ArgumentException
{
    public ArchitectureValidationException(string message) : base(message) { }
}
