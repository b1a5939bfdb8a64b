using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.ArchitectureSearch.Data;

/// <summary>An image file and its class (the name of the folder it is in).</summary>
internal sealed class ImageFile
{
    public string ImagePath { get; set; } = "";

    public string Label { get; set; } = "";
}

/// <summary>
/// Users' own images, laid out as <c>root/&lt;class&gt;/&lt;image&gt;</c>, turned into the same <c>Image</c> column the CIFAR-10
/// loader gives, through ML.NET's LoadImages, ResizeImages and ExtractPixels (planar RGB scaled to [0, 1]).
/// </summary>
public static class ImageFolderLoader
{
    private static readonly string[] Extensions = { ".png", ".jpg", ".jpeg", ".bmp", ".gif" };

    /// <summary>Rows of (ImagePath, Label), sorted by class then file name so the order never depends on the file system.</summary>
    public static IDataView ListImages(MLContext ml, string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Image folder '{root}' does not exist.");
        var files = Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(dir => Directory.GetFiles(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new ImageFile { ImagePath = Path.GetFullPath(f), Label = Path.GetFileName(dir) }))
            .ToArray();
        if (files.Length == 0)
            throw new InvalidDataException($"Image folder '{root}' has no images in class folders (expected {root}/<class>/<image>.png).");
        return ml.Data.LoadFromEnumerable(files);
    }

    /// <summary>LoadImages, ResizeImages and ExtractPixels into <paramref name="outputColumn"/> (planar RGB in [0, 1]).</summary>
    public static IEstimator<ITransformer> PixelPipeline(MLContext ml, int height = 32, int width = 32, string outputColumn = "Image") =>
        ml.Transforms.LoadImages("LoadedImage", imageFolder: null, inputColumnName: nameof(ImageFile.ImagePath))
            .Append(ml.Transforms.ResizeImages("ResizedImage", width, height, "LoadedImage", ImageResizingEstimator.ResizingKind.IsoPad))
            .Append(ml.Transforms.ExtractPixels(outputColumn, "ResizedImage", scaleImage: 1f / 255))
            .Append(ml.Transforms.DropColumns("LoadedImage", "ResizedImage"));
}
