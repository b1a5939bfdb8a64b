using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// A data split held once on the training device: normalised images [N, C, H, W] (float32) and labels [N] (int64),
/// so that batches are cut with index_select instead of building a tensor per image.
/// </summary>
internal sealed class ImageTensors : IDisposable
{
    public ImageTensors(DenseImageData data, float[] mean, float[] std, Device device, string splitName)
    {
        ArgumentNullException.ThrowIfNull(data, splitName);
        Count = data.Count;
        MaxLabel = data.Labels.Max();
        Name = splitName;
        using var scope = NewDisposeScope();
        long channels = data.Channels;
        Tensor raw = tensor(data.Pixels).view(data.Count, channels, data.Height, data.Width);
        Tensor meanTensor = tensor(mean).view(1, channels, 1, 1);
        Tensor stdTensor = tensor(std).view(1, channels, 1, 1);
        // One out-of-place op (never write into 'raw', which may share the caller's array), then in place.
        Images = (raw - meanTensor).div_(stdTensor).to(device).MoveToOuterDisposeScope();
        Labels = tensor(data.Labels.Select(l => (long)l).ToArray()).to(device).MoveToOuterDisposeScope();
    }

    public string Name { get; }

    public int Count { get; }

    public int MaxLabel { get; }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
