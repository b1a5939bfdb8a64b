using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Objectives;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// Trains children of <see cref="RecurrentCellSearchSpace"/> and of the ENAS cell space as word-level language models (shape from the space's
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

    /// <summary>Convenience: token-id streams, the vocabulary size they index and their end-of-sentence id.</summary>
    public LanguageModelChildTrainer(int[] train, int[] valid, int[]? test, int vocabularySize, int endOfSentenceId, LanguageModelTrainingOptions? options = null)
        : this(new LanguageModelCorpus(train, valid, test, vocabularySize, endOfSentenceId), options)
    {
    }

    /// <summary>The shared training core (also usable for any <see cref="WordLanguageModel"/>).</summary>
    public LanguageModelTrainer Trainer => _trainer;

    public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        if (architecture is not ILanguageModelArchitecture cell)
            throw new ArgumentException(
                $"The language-model trainer trains recurrent-cell architectures, got {architecture?.GetType().Name ?? "null"}.", nameof(architecture));
        if (cell.ModelOptions.VocabularySize != _trainer.Corpus.VocabularySize)
            throw new ArgumentException(
                $"The search space predicts {cell.ModelOptions.VocabularySize} words but the corpus has {_trainer.Corpus.VocabularySize}.", nameof(architecture));
        return TrainModel(LanguageModelNetworks.Create(cell), settings, cancellationToken, "architecture " + architecture.ToJson());
    }

    /// <summary>The LSTM baseline with the embedding, hidden size, layers, dropout and tying of <paramref name="shape"/>.</summary>
    public TrainedChild TrainLstmBaseline(RecurrentCellSearchSpaceOptions shape, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return TrainModel(WordLanguageModel.CreateLstm(shape), settings, cancellationToken, InvariantText.Of(() => $"LSTM baseline {shape}"));
    }

    /// <summary>
    /// One token step of one sequence (batch 1, from the zero state): embedding, every recurrent layer and the decoder's
    /// logits over the vocabulary, what predicting the next word costs. Reading the logits back waits for the device.
    /// </summary>
    public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads)
    {
        if (child.Network is not WordLanguageModel model)
            throw new ArgumentException("The child has no trained language model to time (its training failed).", nameof(child));
        return MeasureLatencyMilliseconds(model, runs, threads);
    }

    /// <summary>The search's latency of <paramref name="model"/> (see the instance method), also for networks built only to be timed.</summary>
    internal static double MeasureLatencyMilliseconds(WordLanguageModel model, int runs, int? threads)
    {
        model.eval();
        using var noGrad = no_grad();
        using var inputs = NewDisposeScope(); // the state and the token
        (Tensor h, Tensor c) = model.InitialState(1);
        Tensor token = zeros(new long[] { 1, 1 }, ScalarType.Int64, device: model.Device);
        return InferenceLatency.MedianMilliseconds(() =>
        {
            using var scope = NewDisposeScope();
            model.forward(token, h, c).Logits.sum().item<float>();
        }, runs, threads);
    }

    private TrainedChild TrainModel(WordLanguageModel model, ChildTrainingSettings settings, CancellationToken cancellationToken, string identity)
    {
        try
        {
            var result = _trainer.Train(model, settings, cancellationToken, identity);
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
