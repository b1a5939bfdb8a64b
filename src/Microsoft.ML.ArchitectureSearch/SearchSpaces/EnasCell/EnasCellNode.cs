using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;

/// <summary>
/// One node of an ENAS cell: the earlier node it reads (<see cref="FirstNodeInput"/> for node 0, which reads x_t and
/// h_(t-1)) and the activation it applies.
/// </summary>
internal sealed record EnasCellNode(int Previous, CellActivation Activation)
{
    /// <summary>The <see cref="Previous"/> of node 0: it reads the input x_t and the previous state h_(t-1).</summary>
    public const int FirstNodeInput = -1;
}
