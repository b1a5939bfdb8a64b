using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>A blank CIFAR-sized image with a text label ("cat" unless set): rows for input-checking tests.</summary>
public sealed class TextLabelImage
{
    [VectorType(CifarImage.Size)] public float[] Image { get; set; } = new float[CifarImage.Size];
    public string Label { get; set; } = "cat";
}

/// <summary>One CIFAR-10 image: 3072 floats in [0, 1], planar R, G, B planes of 32 x 32, and its class name.</summary>
public sealed class CifarImage
{
    public const int Size = 3 * 32 * 32;

    [VectorType(Size)]
    public float[] Image { get; set; } = Array.Empty<float>();

    public string Label { get; set; } = "";
}

/// <summary>A language model's output row for a sentence (input rows are the library's SentenceRow).</summary>
public sealed class ScoredSentence
{
    public string Text { get; set; } = "";

    public float Perplexity { get; set; }

    public string PredictedNextWord { get; set; } = "";
}

/// <summary>What a PredictionEngine returns for a <see cref="CifarImage"/>.</summary>
public sealed class CifarPrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public uint PredictedLabel { get; set; }
}

/// <summary>
/// The repository's small real data sets (testdata/), decoded here without the library's code so the tests check the
/// library against an independent reading. Linked into the model-load probe program too.
/// </summary>
public static class PipelineTestData
{
    public static string TestDataDirectory { get; } = FindTestData();

    /// <summary>Decodes CIFAR-10 binary records: 1 label byte, then 1024 R, 1024 G, 1024 B bytes.</summary>
    public static CifarImage[] ReadCifar(string fileName, int maxCount = int.MaxValue)
    {
        string[] classNames = File.ReadAllLines(Path.Combine(TestDataDirectory, "cifar10", "batches.meta.txt"))
            .Where(l => l.Length > 0).ToArray();
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestDataDirectory, "cifar10", fileName));
        const int recordLength = 1 + CifarImage.Size;
        if (bytes.Length % recordLength != 0)
            throw new InvalidDataException($"{fileName} is not a whole number of CIFAR-10 records.");
        int count = Math.Min(maxCount, bytes.Length / recordLength);
        var images = new CifarImage[count];
        for (int r = 0; r < count; r++)
        {
            int offset = r * recordLength;
            var pixels = new float[CifarImage.Size];
            for (int i = 0; i < CifarImage.Size; i++)
                pixels[i] = bytes[offset + 1 + i] / 255f;
            images[r] = new CifarImage { Image = pixels, Label = classNames[bytes[offset]] };
        }
        return images;
    }

    /// <summary><paramref name="rows"/> as an IDataView whose Label column is mapped to keys, as the estimator needs.</summary>
    public static IDataView Keyed<T>(MLContext ml, IEnumerable<T> rows) where T : class
    {
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    public static string[] ReadPtb(string fileName, int maxLines) =>
        File.ReadLines(Path.Combine(TestDataDirectory, "ptb", fileName)).Take(maxLines).ToArray();

    /// <summary>
    /// Perplexity of the unigram model of <paramref name="trainLines"/>' words on <paramref name="heldOut"/>: words and
    /// each line's <c>&lt;eos&gt;</c>, a held-out word the training lines lack read as <c>&lt;unk&gt;</c> (as the
    /// vocabulary reads it), a token never counted given half a count.
    /// </summary>
    public static double UnigramPerplexity(IReadOnlyCollection<string> trainLines, IReadOnlyCollection<string> heldOut)
    {
        var vocabulary = new HashSet<string>(trainLines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        IEnumerable<string> Tokens(IEnumerable<string> lines) => lines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => vocabulary.Contains(w) ? w : "<unk>").Append("<eos>"));
        var counts = Tokens(trainLines).GroupBy(w => w).ToDictionary(g => g.Key, g => (double)g.Count());
        double total = counts.Values.Sum();
        return Math.Exp(-Tokens(heldOut).Average(w => Math.Log(counts.GetValueOrDefault(w, 0.5) / total)));
    }

    /// <summary>A prediction as exact text: the key and each score's IEEE bits, so equality means bitwise equality.</summary>
    public static string Format(CifarPrediction prediction) =>
        prediction.PredictedLabel + ":" + string.Join(",", prediction.Score.Select(s => BitConverter.SingleToInt32Bits(s).ToString("x8")));

    private static string FindTestData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ArchitectureSearch.sln")))
                return Path.Combine(dir.FullName, "testdata");
        }
        throw new DirectoryNotFoundException($"No ArchitectureSearch.sln above {AppContext.BaseDirectory}.");
    }
}
