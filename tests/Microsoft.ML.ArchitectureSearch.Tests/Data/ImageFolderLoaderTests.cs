using Microsoft.ML.Data;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

namespace Microsoft.ML.ArchitectureSearch.Tests.Data;

public class ImageFolderLoaderTests
{
    private static readonly string Images = Path.Combine(PipelineTestData.TestDataDirectory, "images");

    [Fact]
    public void PngFilesThroughLoadImagesResizeAndExtractPixelsEqualTheBinaryRecords()
    {
        var ml = new MLContext(seed: 1);
        IDataView files = ImageFolderLoader.ListImages(ml, Images);
        IDataView pixels = ImageFolderLoader.PixelPipeline(ml).Fit(files).Transform(files);
        string[] paths = pixels.GetColumn<string>("ImagePath").ToArray();
        string[] labels = pixels.GetColumn<string>("Label").ToArray();
        float[][] images = pixels.GetColumn<float[]>("Image").ToArray();
        Assert.Equal(8, images.Length);
        Assert.Equal(new[] { "airplane", "automobile", "bird", "cat" }, labels.Distinct());

        (var dense, IReadOnlyList<string> classes) = Cifar10Loader.LoadDense(Path.Combine(PipelineTestData.TestDataDirectory, "cifar10"), Cifar10Split.Train);
        float[] values = dense.ToFloats();
        for (int i = 0; i < images.Length; i++)
        {
            int record = int.Parse(Path.GetFileNameWithoutExtension(paths[i]));
            Assert.Equal(classes[dense.Labels[record]], labels[i]);
            Assert.Equal(3072, images[i].Length);
            // A 32x32 image resized to 32x32 is unchanged; the planes match the binary record exactly.
            Assert.Equal(values.Skip(record * 3072).Take(3072), images[i]);
        }
    }

    [Fact]
    public void EmptyOrMissingFoldersAreClearErrors()
    {
        var ml = new MLContext();
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolderLoader.ListImages(ml, Path.Combine(Images, "nope")));
        string empty = Directory.CreateTempSubdirectory("images-empty-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(empty, "cat"));
            var e = Assert.Throws<InvalidDataException>(() => ImageFolderLoader.ListImages(ml, empty));
            Assert.Contains("no images", e.Message);
        }
        finally { Directory.Delete(empty, true); }
    }
}
