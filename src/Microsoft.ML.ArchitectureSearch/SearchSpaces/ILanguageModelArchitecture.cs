using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.SearchSpaces;

/// <summary>
/// A recurrent cell of either language-model space (the tree or the ENAS DAG): the word language model around it is
/// shaped by <see cref="ModelOptions"/>, whatever the cell.
/// </summary>
internal interface ILanguageModelArchitecture : IArchitecture
{
    /// <summary>Embedding, hidden size, layers, vocabulary, dropout and tying of the model the cell runs in.</summary>
    RecurrentCellSearchSpaceOptions ModelOptions { get; }
}
