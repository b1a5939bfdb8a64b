using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>Labelled images (the child trainers' <see cref="DenseImageData"/>) and what the label's key type says.</summary>
internal sealed class ImageRows : TaskRows
{
    private readonly ImageModelData _modelData;

    public ImageRows(DenseImageData images, ImageModelData modelData)
    {
        Images = images;
        _modelData = modelData;
    }

    /// <summary>The rows as the child trainers take them (no copy).</summary>
    public DenseImageData Images { get; }

    public override int Count => Images.Count;

    public override TaskModelData ModelData => _modelData;

    public override TaskRows Select(IReadOnlyList<int> indices)
    {
        int size = _modelData.ImageSize;
        var pixels = new float[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Images.Pixels, (long)indices[i] * size, pixels, (long)i * size, size);
            labels[i] = Images.Labels[indices[i]];
        }
        return new ImageRows(new DenseImageData(pixels, labels, Images.Channels, Images.Height, Images.Width), _modelData);
    }
}
