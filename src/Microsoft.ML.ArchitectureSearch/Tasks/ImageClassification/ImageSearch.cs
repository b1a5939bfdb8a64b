using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Distribution;
using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>Image classification: Zoph &amp; Le's CNN space, children trained by <see cref="CnnChildTrainer"/>.</summary>
internal sealed class ImageSearch : ITaskSearch
{
    private readonly ImageData _train;
    private readonly ImageData _validation;
    private readonly ImageData _searchTrain;
    private readonly CnnTrainingOptions _training;
    private readonly CnnSearchSpace _space;
    private CnnChildTrainer? _trainer;
    private string? _dataFingerprint;

    public ImageSearch(ImageRows train, ImageRows validation, ArchitectureSearchOptions o, ISearchLog log)
    {
        _train = train.Images;
        _validation = validation.Images;
        _searchTrain = ((ImageRows)train.Take(o.SearchTrainingRows)).Images;
        var shape = (ImageModelData)train.ModelData;
        _space = new CnnSearchSpace(o.ConvolutionalSpace with
        {
            InputChannels = shape.Channels, InputHeight = shape.Height, InputWidth = shape.Width, ClassCount = shape.ClassCount,
        });
        _training = ComputePrecision.Resolve(o.ImageTraining with { Device = o.Device, BatchSize = o.BatchSize ?? o.ImageTraining.BatchSize }, log);
    }

    public ISearchSpace Space => _space;

    // A document with settings brings its own space (stages, filter lists, layer count); the data decide the input shape
    // and class count. Without settings it must be a member of the options' space.
    public IArchitecture ReadFixedArchitecture(string json) => _space.FromJsonForData(json);

    // Built on first use: a FixedArchitecture fit never searches, so it never builds the children's trainer.
    public IChildTrainer Trainer => _trainer ??= new CnnChildTrainer(SearchTrainingImages(), _validation, null, _training);

    /// <summary>
    /// The children's training images, refused in the user's terms when too few to train a CNN on (the trainer's own
    /// check would count images the user never saw: what is left after the validation rows were held out).
    /// </summary>
    private ImageData SearchTrainingImages()
    {
        const int Minimum = 2; // batch normalisation needs two values per channel
        if (_searchTrain.Count >= Minimum)
            return _searchTrain;
        string limited = _searchTrain.Count < _train.Count ? $", SearchTrainingRows {_searchTrain.Count}" : "";
        throw new ArgumentException(
            $"The search would train its children on {_searchTrain.Count} image(s) ({_train.Count} training row(s) beside " +
            $"{_validation.Count} validation row(s){limited}), but a CNN needs at least {Minimum} to train. Give more training rows, " +
            "or pass validation data so that none are held out.");
    }

    public TrainingMemoryEstimate EstimateTrainingMemory(IArchitecture architecture) =>
        CnnMemoryEstimate.For((CnnArchitecture)architecture, _training);

    public ISharedWeightTrainer CreateSharedWeightTrainer(int seed, int sharedEpochs) =>
        new SharedCnnTrainer(_space, SearchTrainingImages(), _validation, _training, seed, sharedEpochs);

    // Hashed only when a search asks (a FixedArchitecture fit never does): it reads every pixel.
    public string DataFingerprint => _dataFingerprint ??= ImageFingerprint.Of(_searchTrain, _validation);

    public ChildWorkload CreateWorkload() => ImageWorkload.Create(_space, _training, _searchTrain, _validation, DataFingerprint);

    public (nn.Module<Tensor, Tensor> Network, TrialResult Result) TrainFinal(IArchitecture architecture, ChildTrainingSettings settings)
    {
        // The search is over: release the children's trainer (on a GPU, its copy of the images) before the final one.
        ReleaseSearchTrainer();
        ImageData all = ImageData.Concat(_train, _validation);
        using var trainer = new CnnChildTrainer(all, _validation, null, _training);
        TrainedChild child = trainer.Train(architecture, settings);
        if (child.Network is not ChildCnn network)
            throw new InvalidOperationException($"Retraining the best architecture failed: {child.Result.FailureReason}");
        (float[] mean, float[] std) = trainer.ChannelStatistics;
        return (new NormalizedImageClassifier(network, mean, std, _training.TestTimeFlip), child.Result);
    }

    public void Dispose() => ReleaseSearchTrainer();

    private void ReleaseSearchTrainer()
    {
        _trainer?.Dispose();
        _trainer = null;
    }
}
