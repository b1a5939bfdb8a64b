using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.EnasCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Language modelling: Zoph &amp; Le's tree-cell space or ENAS's DAG-cell space, children trained with truncated BPTT,
/// separately or (ENAS space) as sub-graphs of one shared network.
/// </summary>
internal sealed class LanguageModelSearch : ITaskSearch
{
    private readonly int[] _train;
    private readonly int[] _validation;
    private readonly int _vocabularySize;
    private readonly int _endOfSentenceId;
    private readonly LanguageModelTrainingOptions _training;
    private readonly ISearchSpace _space;
    private readonly int[] _searchTrain;
    private string? _dataFingerprint;

    public LanguageModelSearch(SentenceRows train, SentenceRows validation, ArchitectureSearchOptions o, ISearchLog log)
    {
        _train = train.EncodeStream(out _); // the vocabulary was built from these sentences: no unknown words
        TaskRows searchRows = train.Take(o.SearchTrainingRows);
        _searchTrain = ReferenceEquals(searchRows, train) ? _train : ((SentenceRows)searchRows).EncodeStream(out _);
        _validation = validation.EncodeStream(out int unknown);
        if (unknown > 0)
            log.Info($"{unknown} validation words are not in the training vocabulary and are scored as <unk>.");
        _vocabularySize = train.Vocabulary.Count;
        _endOfSentenceId = train.Vocabulary.EndOfSentenceId;
        _space = LanguageModelSpaces.Create(o.RecurrentCellSpace with { VocabularySize = _vocabularySize });
        _training = o.LanguageModelTraining with { Device = o.Device, BatchSize = o.BatchSize ?? o.LanguageModelTraining.BatchSize };
        Trainer = new LanguageModelChildTrainer(_searchTrain, _validation, null, _vocabularySize, _endOfSentenceId, _training);
    }

    public ISearchSpace Space => _space;

    public IChildTrainer Trainer { get; }

    public TrainingMemoryEstimate EstimateTrainingMemory(IArchitecture architecture) =>
        LanguageModelMemoryEstimate.For((ILanguageModelArchitecture)architecture, _training);

    public ISharedWeightTrainer CreateSharedWeightTrainer(int seed, int sharedEpochs) => _space is EnasCellSearchSpace enas
        ? new SharedCellTrainer(enas, _searchTrain, _validation, _vocabularySize, _endOfSentenceId, _training, seed)
        : throw new NotSupportedException($"Weight sharing needs the ENAS cell space (RecurrentCellSearchSpaceOptions.Cell = EnasDag); the '{_space.Name}' space has no shared network.");

    // Hashed only when a search asks (a FixedArchitecture fit never does).
    public string DataFingerprint => _dataFingerprint ??= Execution.Checkpoints.DataFingerprint.Of("text", _searchTrain, _validation);

    public (nn.Module<Tensor, Tensor> Network, TrialResult Result) TrainFinal(IArchitecture architecture, ChildTrainingSettings settings)
    {
        var trainer = new LanguageModelChildTrainer(_train.Concat(_validation).ToArray(), _validation, null, _vocabularySize, _endOfSentenceId, _training);
        TrainedChild child = trainer.Train(architecture, settings);
        if (child.Network is not WordLanguageModel model)
            throw new InvalidOperationException($"Retraining the best architecture failed: {child.Result.FailureReason}");
        return (new LanguageModelScoringNetwork(model), child.Result);
    }

    public void Dispose() { }
}
