using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// Labelled images (the child trainers' <see cref="ImageData"/>) and what the label's key type says. Subsets
/// (validation split, SearchTrainingRows) list rows of the same <see cref="ImageStore"/>; no pixel is copied.
/// </summary>
internal sealed class ImageRows : TaskRows
{
    private readonly ImageModelData _modelData;

    public ImageRows(ImageData images, ImageModelData modelData)
    {
        Images = images;
        _modelData = modelData;
    }

    /// <summary>The rows as the child trainers take them (no copy).</summary>
    public ImageData Images { get; }

    public override int Count => Images.Count;

    public override TaskModelData ModelData => _modelData;

    public override TaskRows Select(IReadOnlyList<int> indices) => new ImageRows(Images.Select(indices), _modelData);
}
