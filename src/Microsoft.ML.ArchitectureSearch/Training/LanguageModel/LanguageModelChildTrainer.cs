using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Trains children of <see cref="RecurrentCellSearchSpace"/> as word-level language models (shape from the space's
/// options) and rewards them by validation perplexity. Also trains the LSTM baseline of the same shape.
/// </summary>
internal sealed class LanguageModelChildTrainer : IChildTrainer
{
    private readonly LanguageModelTrainer _trainer;

    /// <summary>Validation perplexity: lower is better.</summary>
    public bool LowerMetricIsBetter => true;

    public LanguageModelChildTrainer(LanguageModelCorpus corpus, LanguageModelTrainingOptions? options = null)
    {
        _trainer = new LanguageModelTrainer(corpus, options);
    }

    /// <summary>Convenience: token-id streams and the vocabulary size they index.</summary>
    public LanguageModelChildTrainer(int[] train, int[] valid, int[]? test, int vocabularySize, LanguageModelTrainingOptions? options = null)
        : this(new LanguageModelCorpus(train, valid, test, vocabularySize), options)
    {
    }

    /// <summary>The shared training core (also usable for any <see cref="WordLanguageModel"/>).</summary>
    public LanguageModelTrainer Trainer => _trainer;

    public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        if (architecture is not RecurrentCellArchitecture cell)
            throw new ArgumentException(
                $"The language-model trainer trains recurrent-cell architectures, got {architecture?.GetType().Name ?? "null"}.", nameof(architecture));
        if (cell.CellSpace.Options.VocabularySize != _trainer.Corpus.VocabularySize)
            throw new ArgumentException(
                $"The search space predicts {cell.CellSpace.Options.VocabularySize} words but the corpus has {_trainer.Corpus.VocabularySize}.", nameof(architecture));
        return TrainModel(WordLanguageModel.CreateSearched(cell), settings, cancellationToken);
    }

    /// <summary>The LSTM baseline with the embedding, hidden size, layers, dropout and tying of <paramref name="shape"/>.</summary>
    public TrainedChild TrainLstmBaseline(RecurrentCellSearchSpaceOptions shape, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return TrainModel(WordLanguageModel.CreateLstm(shape), settings, cancellationToken);
    }

    private TrainedChild TrainModel(WordLanguageModel model, ChildTrainingSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var result = _trainer.Train(model, settings, cancellationToken);
            if (result.Failed)
            {
                model.Dispose();
                return new TrainedChild(result, null);
            }
            return new TrainedChild(result, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
