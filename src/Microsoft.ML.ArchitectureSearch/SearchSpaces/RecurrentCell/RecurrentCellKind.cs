namespace Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

/// <summary>The recurrent-cell search space a language-model search explores (RecurrentCellSearchSpaceOptions.Cell).</summary>
public enum RecurrentCellKind
{
    /// <summary>
    /// Zoph &amp; Le's (2017) cell: a full binary tree of combinations and activations with a memory c_t. Children are
    /// trained separately.
    /// </summary>
    Tree,

    /// <summary>
    /// ENAS's (Pham et al. 2018) cell: a chain of highway nodes, each reading one earlier node through a weight matrix
    /// of its own and applying an activation; h_t is the mean of the nodes no other node reads. Children can be trained
    /// separately or scored on one shared network (ArchitectureSearchOptions.WeightSharing).
    /// </summary>
    EnasDag,
}
