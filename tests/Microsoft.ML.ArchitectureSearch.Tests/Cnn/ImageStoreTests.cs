using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;
using Microsoft.ML.ArchitectureSearch.Tests.Pipeline;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.Cnn;

/// <summary>
/// Images are read once into one store, as bytes when every value is exactly a decoded byte and as floats otherwise;
/// splits are row lists over it, and the trainer converts and normalises per batch, bit for bit as normalising the
/// float values (what the trainer did before it kept bytes).
/// </summary>
public class ImageStoreTests
{
    private static readonly string Cifar = Path.Combine(PipelineTestData.TestDataDirectory, "cifar10");

    private static int[] TensorBits(Tensor t) => t.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    private static int[] Bits(IEnumerable<float> values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>A float-store copy of <paramref name="data"/>: the form every split had before.</summary>
    private static ImageData AsFloats(ImageData data) => new(data.ToFloats(), data.Labels, data.Channels, data.Height, data.Width);

    [Fact]
    public void ByteBatchesAreBitIdenticalToNormalisingTheFloatValues()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 300).Images;
        Assert.NotNull(all.Store.Bytes);
        ImageData split = all.Select(Enumerable.Range(0, 150).Select(i => 2 * i + 1).ToArray());
        ImageData floats = AsFloats(split);
        Assert.Null(floats.Store.Bytes);
        (float[] mean, float[] std) = split.ChannelStatistics();
        (float[] floatMean, float[] floatStd) = floats.ChannelStatistics();
        Assert.Equal(Bits(floatMean), Bits(mean));
        Assert.Equal(Bits(floatStd), Bits(std));

        using var byteStore = new DeviceImageStore(all.Store, mean, std, CPU);
        using var floatStore = new DeviceImageStore(floats.Store, mean, std, CPU);
        using var bytes = new ImageTensors(split, byteStore, CPU, "training");
        using var reference = new ImageTensors(floats, floatStore, CPU, "training");
        using var scope = NewDisposeScope();
        // The trainer's former path: the whole split normalised once, as floats, then batches cut from it.
        Tensor before = (tensor(floats.ToFloats()).view(150, 3, 32, 32) - tensor(mean).view(1, 3, 1, 1)).div_(tensor(std).view(1, 3, 1, 1));
        Tensor positions = tensor(new long[] { 149, 0, 77, 3, 3, 100 });
        Assert.Equal(TensorBits(before.index_select(0, positions)), TensorBits(bytes.Gather(positions)));
        Assert.Equal(TensorBits(before.index_select(0, positions)), TensorBits(reference.Gather(positions)));
        Assert.Equal(TensorBits(before.narrow(0, 10, 64)), TensorBits(bytes.Slice(10, 64)));
        Assert.Equal(TensorBits(before), TensorBits(bytes.Slice(0, 150)));
        Assert.Equal(TensorBits(before), TensorBits(reference.Slice(0, 150)));
        Assert.Equal(split.Labels.Select(l => (long)l), bytes.Labels.data<long>().ToArray());
    }

    [Fact]
    public void ATinyChildTrainsIdenticallyOnBytesAndOnFloats()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 400).Images;
        ImageData train = all.Select(Enumerable.Range(0, 300).ToArray()), validation = all.Select(Enumerable.Range(300, 100).ToArray());
        var options = new CnnTrainingOptions { Device = "cpu", BatchSize = 32 };
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2 });
        var architecture = new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(3, 3, 24, 0) });
        var settings = new ChildTrainingSettings { Epochs = 2, Seed = 3 };

        using var onBytes = new CnnChildTrainer(train, validation, null, options);
        using var onFloats = new CnnChildTrainer(AsFloats(train), AsFloats(validation), null, options);
        using TrainedChild a = onBytes.Train(architecture, settings);
        using TrainedChild b = onFloats.Train(architecture, settings);

        Assert.False(a.Result.Failed, a.Result.FailureReason);
        Assert.Equal(b.Result.TrainLossPerEpoch, a.Result.TrainLossPerEpoch);
        Assert.Equal(b.Result.ValidationMetricPerEpoch, a.Result.ValidationMetricPerEpoch);
        Tensor[] weightsA = a.Network!.parameters().ToArray(), weightsB = b.Network!.parameters().ToArray();
        Assert.Equal(weightsB.Length, weightsA.Length);
        for (int i = 0; i < weightsA.Length; i++)
            Assert.Equal(TensorBits(weightsB[i].detach()), TensorBits(weightsA[i].detach()));
    }

    private sealed class SmallImage
    {
        [VectorType(12)]
        public float[] Image { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";
    }

    private sealed class Synthetic8
    {
        [VectorType(192)]
        public float[] Image { get; set; } = Array.Empty<float>();

        public string Label { get; set; } = "";
    }

    /// <summary>Rows through MapValueToKey and the task's reader, as Fit reads them.</summary>
    private static ImageData Read<T>(T[] rows, int channels, int size) where T : class
    {
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadFromEnumerable(rows);
        view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        return ImageRowReader.ReadImages(view, "training data", "Image", "Label", channels, size, size, 2);
    }

    /// <summary>3x2x2 images, two classes.</summary>
    private static ImageData Read(IEnumerable<float[]> images) =>
        Read(images.Select((values, i) => new SmallImage { Image = values, Label = i % 2 == 0 ? "a" : "b" }).ToArray(), 3, 2);

    private static float[][] Images(int count, Func<int, int, float> value) =>
        Enumerable.Range(0, count).Select(n => Enumerable.Range(0, 12).Select(i => value(n, i)).ToArray()).ToArray();

    private static void AssertSameValues(float[][] expected, ImageData read)
    {
        Assert.Equal(expected.Length, read.Count);
        Assert.Equal(Bits(expected.SelectMany(v => v)), Bits(read.ToFloats()));
    }

    [Fact]
    public void ScaledBytesAreKeptAsBytesOfTheDecodingThatGivesEveryValueBackExactly()
    {
        // ExtractPixels(scaleImage: 1f / 255) and the CIFAR-10 loader: b * (1f / 255).
        float[][] scaled = Images(5, (n, i) => (byte)(n * 50 + i * 7) * (1f / 255));
        ImageData read = Read(scaled);
        Assert.Same(ByteDecodings.TimesOneOver255, read.Store.Decode);
        AssertSameValues(scaled, read);

        // Division by hand: b / 255f, different floats for 126 of the 256 bytes.
        float[][] divided = Images(5, (n, i) => (n * 50 + i * 7) % 256 / 255f);
        Assert.Contains(divided.SelectMany(v => v), v => !ByteDecodings.TimesOneOver255.Contains(v));
        read = Read(divided);
        Assert.Same(ByteDecodings.Over255, read.Store.Decode);
        AssertSameValues(divided, read);

        // ExtractPixels' default: the bytes themselves.
        float[][] unscaled = Images(5, (n, i) => (n * 50 + i * 7) % 256);
        read = Read(unscaled);
        Assert.Same(ByteDecodings.Unscaled, read.Store.Decode);
        AssertSameValues(unscaled, read);

        // A first image that fits several decodings does not decide: the bytes move to the one that fits every value.
        foreach (float[][] images in new[] { divided, unscaled })
        {
            float[][] afterBlack = images.Prepend(new float[12]).Prepend(Enumerable.Repeat(1f, 12).ToArray()).ToArray();
            read = Read(afterBlack);
            Assert.Same(images == divided ? ByteDecodings.Over255 : ByteDecodings.Unscaled, read.Store.Decode);
            AssertSameValues(afterBlack, read);
        }
    }

    [Fact]
    public void AnyOtherValueKeepsFloatsExactlyEvenWhenItComesAfterManyByteImages()
    {
        // Values between decoded bytes, beyond their range, or -0 (equal to 0 but not the same bits).
        foreach (float odd in new[] { 0.5f / 255, 0.3f, 1.5f, -1f / 255, 256f, -0f, 1e-30f })
        {
            float[][] images = Images(3, (n, i) => n == 1 && i == 5 ? odd : i / 255f);
            ImageData read = Read(images);
            Assert.Null(read.Store.Bytes);
            AssertSameValues(images, read);
        }

        // 600 images (more than one block of the reader) of bytes, then one value that is not: all become floats.
        float[][] late = Images(600, (n, i) => n == 590 && i == 11 ? 0.123456f : (byte)(n + i) * (1f / 255));
        ImageData fallen = Read(late);
        Assert.Null(fallen.Store.Bytes);
        AssertSameValues(late, fallen);

        // The same without the odd value: one byte store holding all 600.
        late[590][11] = 0;
        ImageData kept = Read(late);
        Assert.NotNull(kept.Store.Bytes);
        Assert.Equal(600 * 12, kept.Store.Bytes!.Length);
        AssertSameValues(late, kept);
    }

    [Fact]
    public void FloatDataThatIsNoBytesStillTrains()
    {
        // Synthetic noise images (values 0.3 + 0.2 * random): no byte decoding fits, the reader keeps floats.
        ImageData synthetic = CnnTestData.Synthetic(96, 8, seed: 4);
        float[] values = synthetic.ToFloats();
        ImageData read = Read(Enumerable.Range(0, synthetic.Count).Select(n => new Synthetic8
        {
            Image = values.AsSpan(n * 192, 192).ToArray(),
            Label = synthetic.Labels[n] == 0 ? "a" : "b",
        }).ToArray(), 3, 8);
        Assert.Null(read.Store.Bytes);
        Assert.Equal(Bits(values), Bits(read.ToFloats()));

        ImageData train = read.Select(Enumerable.Range(0, 64).ToArray()), validation = read.Select(Enumerable.Range(64, 32).ToArray());
        using var trainer = new CnnChildTrainer(train, validation, null, new CnnTrainingOptions { Device = "cpu", BatchSize = 16 });
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 2, InputHeight = 8, InputWidth = 8, ClassCount = 2 });
        using TrainedChild child = trainer.Train(new CnnArchitecture(space, new[] { new CnnLayer(3, 3, 24), new CnnLayer(3, 3, 24, 0) }),
            new ChildTrainingSettings { Epochs = 3, Seed = 1 });
        Assert.False(child.Result.Failed, child.Result.FailureReason);
        Assert.True(child.Result.TrainLossPerEpoch[^1] < child.Result.TrainLossPerEpoch[0], "loss must fall on a learnable task");
    }

    [Fact]
    public void SplitsAndTheFinalConcatenationAreRowListsOverOneStore()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 50).Images;
        ImageData train = all.Select(new[] { 0, 2, 4, 6 }), validation = all.Select(new[] { 1, 3 });
        ImageData both = ImageData.Concat(train, validation);
        Assert.Same(all.Store, train.Store);
        Assert.Same(all.Store, both.Store);
        Assert.Equal(new[] { 0, 2, 4, 6, 1, 3 }, both.Rows);
        Assert.Equal(new[] { 0, 2, 4, 6, 1, 3 }.Select(r => all.Labels[r]), both.Labels);
        Assert.Equal(new[] { 2, 1 }, both.Select(new[] { 1, 4 }).Rows);

        // Separately read validation data has its own store: joined by one copy, still bytes of the same decoding.
        ImageData other = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Test, 3).Images;
        ImageData joined = ImageData.Concat(train, other);
        Assert.Same(ByteDecodings.TimesOneOver255, joined.Store.Decode);
        Assert.Equal(Bits(train.ToFloats().Concat(other.ToFloats())), Bits(joined.ToFloats()));
        // With a float store the copy is floats, the values unchanged.
        ImageData mixed = ImageData.Concat(AsFloats(other), train);
        Assert.Null(mixed.Store.Bytes);
        Assert.Equal(Bits(other.ToFloats().Concat(train.ToFloats())), Bits(mixed.ToFloats()));
    }

    [Fact]
    public void TheSearchDataFingerprintIsThatOfTheFloatValuesAsBefore()
    {
        ImageData all = Cifar10Loader.LoadDense(Cifar, Cifar10Split.Train, 60).Images;
        var model = new ImageModelData(3, 32, 32, 10, null, testTimeFlip: false);
        var rows = new ImageRows(all, model);
        var train = (ImageRows)rows.Select(Enumerable.Range(0, 40).ToArray());
        var validation = (ImageRows)rows.Select(Enumerable.Range(40, 20).ToArray());
        var options = new ArchitectureSearchOptions { SearchTrainingRows = 30, ImageChannels = 3, ImageHeight = 32, ImageWidth = 32 };
        using var search = new ImageSearch(train, validation, options, NullSearchLog.Instance);
        // What the float arrays of the search's training prefix and the validation rows hashed to.
        ImageData searchTrain = train.Images.Select(Enumerable.Range(0, 30).ToArray());
        string expected = DataFingerprint.Of("images", searchTrain.ToFloats(), searchTrain.Labels, validation.Images.ToFloats(), validation.Images.Labels);
        Assert.Equal(expected, search.DataFingerprint);
    }
}
