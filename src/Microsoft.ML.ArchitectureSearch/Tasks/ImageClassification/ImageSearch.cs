using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
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
    private readonly DenseImageData _train;
    private readonly DenseImageData _validation;
    private readonly DenseImageData _searchTrain;
    private readonly CnnTrainingOptions _training;
    private readonly CnnSearchSpace _space;
    private CnnChildTrainer? _trainer;
    private string? _dataFingerprint;

    public ImageSearch(ImageRows train, ImageRows validation, ArchitectureSearchOptions o)
    {
        _train = train.Images;
        _validation = validation.Images;
        _searchTrain = ((ImageRows)train.Take(o.SearchTrainingRows)).Images;
        var shape = (ImageModelData)train.ModelData;
        _space = new CnnSearchSpace(o.ConvolutionalSpace with
        {
            InputChannels = shape.Channels, InputHeight = shape.Height, InputWidth = shape.Width, ClassCount = shape.ClassCount,
        });
        _training = o.ImageTraining with { Device = o.Device, BatchSize = o.BatchSize ?? o.ImageTraining.BatchSize };
    }

    public ISearchSpace Space => _space;

    // A document with settings brings its own space (stages, filter lists, layer count); the data decide the input shape
    // and class count. Without settings it must be a member of the options' space.
    public IArchitecture ReadFixedArchitecture(string json) => _space.FromJsonForData(json);

    // Built on first use: a FixedArchitecture fit never searches, so it never holds the children's copy of the images.
    public IChildTrainer Trainer => _trainer ??= new CnnChildTrainer(_searchTrain, _validation, null, _training);

    // Hashed only when a search asks (a FixedArchitecture fit never does): it reads every pixel.
    public string DataFingerprint => _dataFingerprint ??=
        Execution.Checkpoints.DataFingerprint.Of("images", _searchTrain.Pixels, _searchTrain.Labels, _validation.Pixels, _validation.Labels);

    public (nn.Module<Tensor, Tensor> Network, TrialResult Result) TrainFinal(IArchitecture architecture, ChildTrainingSettings settings)
    {
        // The search is over: release the children's tensors (a copy of the training images) before the final copy.
        ReleaseSearchTrainer();
        DenseImageData all = Concatenate(_train, _validation);
        using var trainer = new CnnChildTrainer(all, _validation, null, _training);
        TrainedChild child = trainer.Train(architecture, settings);
        if (child.Network is not ChildCnn network)
            throw new InvalidOperationException($"Retraining the best architecture failed: {child.Result.FailureReason}");
        (float[] mean, float[] std) = all.ChannelStatistics();
        return (new NormalizedImageClassifier(network, mean, std, _training.TestTimeFlip), child.Result);
    }

    public void Dispose() => ReleaseSearchTrainer();

    private void ReleaseSearchTrainer()
    {
        _trainer?.Dispose();
        _trainer = null;
    }

    private static DenseImageData Concatenate(DenseImageData a, DenseImageData b) =>
        new(a.Pixels.Concat(b.Pixels).ToArray(), a.Labels.Concat(b.Labels).ToArray(), a.Channels, a.Height, a.Width);
}
