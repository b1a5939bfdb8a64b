using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Data;

public sealed class Cifar10LoaderTests : IDisposable
{
    private static readonly string Folder = Path.Combine(PipelineTestData.TestDataDirectory, "cifar10");
    private readonly string _temp = Directory.CreateTempSubdirectory("cifar-bad-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>Independent decoding: label byte and pixel bytes straight from the file.</summary>
    private static (int Label, byte[] Pixels) Raw(string file, int record)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        return (bytes[record * 3073], bytes.AsSpan(record * 3073 + 1, 3072).ToArray());
    }

    [Fact]
    public void DataViewHasFixedSizeImageVectorAndClassNameLabels()
    {
        IDataView view = Cifar10Loader.LoadDataView(_ml, Folder, Cifar10Split.Train);
        var image = Assert.IsType<VectorDataViewType>(view.Schema["Image"].Type);
        Assert.Equal(3072, image.Size);
        Assert.Equal(NumberDataViewType.Single, image.ItemType);
        Assert.Equal(TextDataViewType.Instance, view.Schema["Label"].Type);

        var rows = _ml.Data.CreateEnumerable<Cifar10Image>(view, reuseRowObject: false).ToArray();
        Assert.Equal(1000, rows.Length);
        string[] classes = File.ReadAllLines(Path.Combine(Folder, "batches.meta.txt")).Where(l => l.Length > 0).ToArray();
        foreach (int r in new[] { 0, 1, 500, 999 })
        {
            (int label, byte[] pixels) = Raw("data_batch_1.bin", r);
            Assert.Equal(classes[label], rows[r].Label);
            foreach (int p in new[] { 0, 31, 1023, 1024, 2047, 2048, 3071 }) // first/last of each plane (R, G, B)
                Assert.Equal(pixels[p] * Cifar10Loader.Scale, rows[r].Image[p]);
        }
        // Class counts against the raw label bytes.
        byte[] all = File.ReadAllBytes(Path.Combine(Folder, "data_batch_1.bin"));
        var expected = Enumerable.Range(0, 1000).GroupBy(r => classes[all[r * 3073]]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected.OrderBy(kv => kv.Key), rows.GroupBy(r => r.Label).ToDictionary(g => g.Key, g => g.Count()).OrderBy(kv => kv.Key));
    }

    [Fact]
    public void TestSplitAndDenseArraysAgreeWithTheFile()
    {
        (var dense, IReadOnlyList<string> classes) = Cifar10Loader.LoadDense(Folder, Cifar10Split.Test);
        Assert.Equal(200, dense.Count);
        Assert.Equal("airplane", classes[0]);
        Assert.Equal("truck", classes[9]);
        (int label, byte[] pixels) = Raw("test_batch.bin", 199);
        Assert.Equal(label, dense.Labels[199]);
        Assert.Equal(pixels.Select(b => b * Cifar10Loader.Scale), dense.ToFloats().Skip(199 * 3072).Take(3072));
        Assert.Equal(50, Cifar10Loader.LoadDense(Folder, Cifar10Split.Train, maxRecords: 50).Images.Count);
    }

    [Fact]
    public void TheStandardDownloadLayoutIsFound()
    {
        string inner = Path.Combine(_temp, "cifar-10-batches-bin");
        Directory.CreateDirectory(inner);
        foreach (string f in new[] { "test_batch.bin", "batches.meta.txt" }) File.Copy(Path.Combine(Folder, f), Path.Combine(inner, f));
        Assert.Equal(200, Cifar10Loader.LoadDense(_temp, Cifar10Split.Test).Images.Count);
        var e = Assert.Throws<FileNotFoundException>(() => Cifar10Loader.LoadDense(_temp, Cifar10Split.Train));
        Assert.Contains("data_batch_1.bin", e.Message);
    }

    [Fact]
    public void BadFilesGetErrorsNamingTheFileAndTheProblem()
    {
        File.Copy(Path.Combine(Folder, "batches.meta.txt"), Path.Combine(_temp, "batches.meta.txt"));
        byte[] good = File.ReadAllBytes(Path.Combine(Folder, "test_batch.bin"));
        string batch = Path.Combine(_temp, "test_batch.bin");

        File.WriteAllBytes(batch, good[..(3073 * 2 + 100)]);
        var size = Assert.Throws<InvalidDataException>(() => Cifar10Loader.LoadDense(_temp, Cifar10Split.Test));
        Assert.Contains("test_batch.bin", size.Message);
        Assert.Contains("6,246 bytes", size.Message);

        byte[] badLabel = good[..(3073 * 3)];
        badLabel[3073 * 2] = 12;
        File.WriteAllBytes(batch, badLabel);
        var label = Assert.Throws<InvalidDataException>(() => Cifar10Loader.LoadDataView(_ml, _temp, Cifar10Split.Test));
        Assert.Contains("record 2", label.Message);
        Assert.Contains("label byte 12", label.Message);

        File.WriteAllBytes(batch, Array.Empty<byte>());
        Assert.Throws<InvalidDataException>(() => Cifar10Loader.LoadDense(_temp, Cifar10Split.Test));

        File.WriteAllBytes(batch, good);
        File.WriteAllLines(Path.Combine(_temp, "batches.meta.txt"), new[] { "airplane", "automobile" });
        var meta = Assert.Throws<InvalidDataException>(() => Cifar10Loader.LoadDense(_temp, Cifar10Split.Test));
        Assert.Contains("batches.meta.txt", meta.Message);
        File.Delete(Path.Combine(_temp, "batches.meta.txt"));
        Assert.Throws<FileNotFoundException>(() => Cifar10Loader.LoadDense(_temp, Cifar10Split.Test));

        string empty = Directory.CreateDirectory(Path.Combine(_temp, "empty")).FullName;
        Assert.Throws<FileNotFoundException>(() => Cifar10Loader.LoadDense(empty, Cifar10Split.Train));
        Assert.Throws<DirectoryNotFoundException>(() => Cifar10Loader.LoadDense(Path.Combine(_temp, "missing"), Cifar10Split.Train));
    }

    [Fact]
    public void FullDataSetWhenPresent()
    {
        string shared = Path.Combine(PipelineTestData.TestDataDirectory, "..", "..", "shared", "data", "cifar10");
        if (!Directory.Exists(shared)) return; // the full data is beside the repo only on the project's machines
        Assert.Equal(5, Cifar10Files.BatchFiles(shared, Cifar10Split.Train).Count);
        long train = Cifar10Files.BatchFiles(shared, Cifar10Split.Train).Sum(f => new FileInfo(f).Length / 3073);
        Assert.Equal(50_000, train);
        Assert.Equal(10_000, new FileInfo(Cifar10Files.BatchFiles(shared, Cifar10Split.Test)[0]).Length / 3073);
        byte[] batch1 = File.ReadAllBytes(Path.Combine(shared, "data_batch_1.bin"));
        var counts = Enumerable.Range(0, 10_000).GroupBy(r => batch1[r * 3073]).OrderBy(g => g.Key).Select(g => g.Count());
        Assert.Equal(new[] { 1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981 }, counts);
    }
}
