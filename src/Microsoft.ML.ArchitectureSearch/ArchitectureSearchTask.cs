namespace Microsoft.ML.ArchitectureSearch;

/// <summary>What the searched network learns, which decides the search space, the input column and the outputs.</summary>
public enum ArchitectureSearchTask
{
    /// <summary>
    /// Image classification (CNN search space). Input: a known-size vector of Single holding
    /// channels x height x width values in planar order; label: a key column. Outputs: Score (class probabilities)
    /// and PredictedLabel (the label's key type).
    /// </summary>
    ImageClassification,

    /// <summary>
    /// Word-level language modeling (recurrent-cell search space). Input: a text column, one sentence per row.
    /// Outputs: Perplexity of the row's sentence and PredictedNextWord after it.
    /// </summary>
    LanguageModeling,
}
