using Microsoft.ML.ArchitectureSearch.Networks.Cnn;
using Microsoft.ML.ArchitectureSearch.Pipeline.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline.Networks;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.Search;

/// <summary>Image classification: Zoph &amp; Le's CNN space, children trained by <see cref="CnnChildTrainer"/>.</summary>
internal sealed class ImageTaskSearch : ITaskSearch
{
    private readonly DenseImageData _train;
    private readonly DenseImageData _validation;
    private readonly CnnTrainingOptions _training;
    private readonly CnnChildTrainer _trainer;
    private readonly CnnSearchSpace _space;

    public ImageTaskSearch(SearchRequest request)
    {
        var train = (ImageTaskData)request.Train;
        var validation = (ImageTaskData)request.Validation;
        _train = train.Images;
        _validation = validation.Images;
        DenseImageData searchTrain = ((ImageTaskData)request.SearchTrainingRows()).Images;
        ArchitectureSearchOptions o = request.Options;
        _space = new CnnSearchSpace(o.ConvolutionalSpace with
        {
            InputChannels = train.Channels, InputHeight = train.Height, InputWidth = train.Width, ClassCount = train.ClassCount,
        });
        _training = o.ImageTraining with { Device = o.Device, BatchSize = o.BatchSize ?? o.ImageTraining.BatchSize };
        _trainer = new CnnChildTrainer(searchTrain, _validation, null, _training);
        DataFingerprint = Search.DataFingerprint.Of("images", searchTrain.Pixels, searchTrain.Labels, _validation.Pixels, _validation.Labels);
    }

    public ISearchSpace Space => _space;

    public IChildTrainer Trainer => _trainer;

    public string DataFingerprint { get; }

    public (nn.Module<Tensor, Tensor> Network, string FactoryJson, TrialResult Result) TrainFinal(
        IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken)
    {
        var cnn = (CnnArchitecture)architecture;
        DenseImageData all = Concatenate(_train, _validation);
        using var trainer = new CnnChildTrainer(all, _validation, null, _training);
        TrainedChild child = trainer.Train(cnn, settings, cancellationToken);
        if (child.Network is not ChildCnn network)
            throw new InvalidOperationException($"Retraining the best architecture failed: {child.Result.FailureReason}");
        (float[] mean, float[] std) = all.ChannelStatistics();
        return (new NormalizedImageClassifier(network, mean, std), CnnNetworkFactory.ToJson(cnn, _space.Options), child.Result);
    }

    public void Dispose() => _trainer.Dispose();

    private static DenseImageData Concatenate(DenseImageData a, DenseImageData b) =>
        new(a.Pixels.Concat(b.Pixels).ToArray(), a.Labels.Concat(b.Labels).ToArray(), a.Channels, a.Height, a.Width);
}
