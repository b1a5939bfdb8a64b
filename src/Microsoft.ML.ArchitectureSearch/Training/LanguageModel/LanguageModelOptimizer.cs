namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>How a language model's weights are updated after each segment (the gradient is clipped first either way).</summary>
public enum LanguageModelOptimizer
{
    /// <summary>
    /// Plain SGD, as PyTorch's word_language_model recipe: with learning rate 20 and the gradient clipped to norm 0.25
    /// it reaches the small PTB model's perplexity over 13+ full epochs, but moves slowly in the first few hundred steps.
    /// </summary>
    Sgd,

    /// <summary>
    /// Adam (Kingma &amp; Ba, 2015; betas 0.9 and 0.999): per-weight step sizes, so rarely seen words' embedding rows
    /// learn as fast as frequent ones; what makes a one- or two-epoch budget on a small corpus give a useful model.
    /// </summary>
    Adam,
}
