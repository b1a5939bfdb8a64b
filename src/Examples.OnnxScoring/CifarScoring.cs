using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Examples.OnnxScoring;

/// <summary>Scores CIFAR-10 test images with a pipeline exported by mlContext.Model.ConvertToOnnx, through ApplyOnnxModel.</summary>
internal static class CifarScoring
{
    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 2)
        {
            Console.Error.WriteLine("usage: Examples.OnnxScoring MODEL.onnx [CIFAR10_DIRECTORY (default: testdata/cifar10)]");
            return 2;
        }
        string modelPath = args[0];
        string dataDirectory = args.Length > 1 ? args[1] : Path.Combine("testdata", "cifar10");
        if (!File.Exists(modelPath))
        {
            Console.Error.WriteLine($"No ONNX model at {modelPath}: run 'dotnet run --project src/Examples -c Release -- cifar10' first, which writes out/cifar10/model.onnx.");
            return 2;
        }

        var ml = new MLContext();
        CifarImage[] images = CifarImages.Read(dataDirectory);
        IDataView data = ml.Data.LoadFromEnumerable(images);

        // The exported pipeline reads the columns it was converted with (Image and Label, which MapValueToKey turned into a
        // key) and names its outputs "Score.output" and "PredictedLabel.output"; ApplyOnnxModel drops the ".output".
        var scorer = ml.Transforms.ApplyOnnxModel(
            outputColumnNames: new[] { "Score.output", "PredictedLabel.output" }, inputColumnNames: new[] { "Image", "Label" }, modelFile: modelPath);
        ITransformer model = scorer.Fit(data);

        var clock = Stopwatch.StartNew();
        IDataView scored = model.Transform(data);
        uint[][] keys = scored.GetColumn<uint[]>("PredictedLabel").ToArray();
        clock.Stop();
        // The class names ride along as the Score column's slot names; the predicted key is 1-based into them.
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        scored.Schema["Score"].Annotations.GetValue("SlotNames", ref slotNames);
        string[] classNames = slotNames.DenseValues().Select(n => n.ToString()).ToArray();
        int correct = keys.Where((key, i) => classNames[key[0] - 1] == images[i].Label).Count();
        Console.WriteLine($"ONNX model {modelPath} ({new FileInfo(modelPath).Length:N0} bytes), {classNames.Length} classes");
        Console.WriteLine($"test accuracy {(double)correct / images.Length:0.0000} ({correct}/{images.Length}) in {clock.Elapsed.TotalMilliseconds:0} ms ({images.Length / clock.Elapsed.TotalSeconds:0} images/s)");

        using var engine = ml.Model.CreatePredictionEngine<CifarImage, OnnxPrediction>(model);
        foreach (CifarImage image in images.Take(5))
        {
            OnnxPrediction p = engine.Predict(image);
            Console.WriteLine($"  true {image.Label,-10} predicted {classNames[p.PredictedLabel[0] - 1],-10} p={p.Score.Max():0.000}");
        }
        return 0;
    }
}

/// <summary>What the PredictionEngine returns: class probabilities and the 1-based predicted class key.</summary>
internal sealed class OnnxPrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();

    public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
}
