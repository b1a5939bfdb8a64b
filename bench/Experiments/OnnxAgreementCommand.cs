using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.Data;

using static Microsoft.ML.ArchitectureSearch.Experiments.InvariantOutput;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// The ONNX export against the TorchSharp transformer on one set of CIFAR-10 test images: a saved pipeline (model zip)
/// scored by TorchSharp, and its ConvertToOnnx file scored by ML.NET's ApplyOnnxModel on ONNX Runtime. Prints the
/// labels that differ, the largest score difference, images/s of Transform with every output read (and of
/// Transform + Evaluate for TorchSharp, the figure the issue quotes) and milliseconds per PredictionEngine.Predict.
/// </summary>
internal sealed class OnnxAgreementCommand : System.CommandLine.Command
{
    private sealed class TorchPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint PredictedLabel { get; set; }
    }

    private sealed class OnnxPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint[] PredictedLabel { get; set; } = Array.Empty<uint>();
    }

    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("images");
    private readonly Option<string?> _model = CommonOptions.ExistingFile("--model", "The model zip (MapValueToKey + ArchitectureSearch) that src/Examples' cifar10 wrote.");
    private readonly Option<string?> _onnx = CommonOptions.ExistingFile("--onnx", "Its ConvertToOnnx export (the cifar10 command writes model.onnx beside the zip).");
    private readonly Option<int> _predictions = CommonOptions.Count("--predictions", "Single predictions timed per engine (after 20 warm-up ones).", 500);

    public OnnxAgreementCommand()
        : base("onnx-agreement", "TorchSharp transformer vs its ONNX export on CIFAR-10 test images: label and score agreement, scoring speed.")
    {
        foreach (Option option in new Option[] { _dataDir, _testSize, _model, _onnx, _predictions })
            Options.Add(option);
        _model.Required = true;
        _onnx.Required = true;
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var ml = new MLContext(seed: 1);
        // Cached, so that both scorers time scoring and not decoding; a cache does not know its row count before it has filled.
        IDataView loaded = Cifar10Loader.LoadDataView(ml, _dataDir.Resolve(parse), Cifar10Split.Test, parse.GetValue(_testSize));
        int count = (int)(loaded.GetRowCount() ?? loaded.GetColumn<string>("Label").LongCount());
        IDataView test = ml.Data.Cache(loaded);
        string onnxPath = parse.GetValue(_onnx)!;
        ITransformer torch = ml.Model.Load(parse.GetValue(_model)!, out _);
        ITransformer onnx = ml.Transforms.ApplyOnnxModel(new[] { "Score.output", "PredictedLabel.output" }, new[] { "Image", "Label" }, onnxPath).Fit(test);
        Print($"images={count} onnx_bytes={new FileInfo(onnxPath).Length} zip_bytes={new FileInfo(parse.GetValue(_model)!).Length}");

        // Warm both up on a few rows (session creation, first allocations), then time a full pass each.
        _ = ml.Data.CreateEnumerable<TorchPrediction>(torch.Transform(ml.Data.TakeRows(test, 20)), false).ToArray();
        _ = ml.Data.CreateEnumerable<OnnxPrediction>(onnx.Transform(ml.Data.TakeRows(test, 20)), false).ToArray();
        var clock = Stopwatch.StartNew();
        TorchPrediction[] expected = ml.Data.CreateEnumerable<TorchPrediction>(torch.Transform(test), false).ToArray();
        double torchSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        OnnxPrediction[] actual = ml.Data.CreateEnumerable<OnnxPrediction>(onnx.Transform(test), false).ToArray();
        double onnxSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var metrics = ml.MulticlassClassification.Evaluate(torch.Transform(test));
        double evaluateSeconds = clock.Elapsed.TotalSeconds;

        int differing = 0;
        double largest = 0;
        for (int i = 0; i < count; i++)
        {
            if (expected[i].PredictedLabel != actual[i].PredictedLabel.Single())
                differing++;
            for (int k = 0; k < expected[i].Score.Length; k++)
                largest = Math.Max(largest, Math.Abs(expected[i].Score[k] - actual[i].Score[k]));
        }

        Print($"AGREEMENT differing_labels={differing} largest_score_difference={largest:E2} torch_accuracy={metrics.MicroAccuracy:0.0000}");
        Print($"BATCH torch_images_per_s={count / torchSeconds:0} onnx_images_per_s={count / onnxSeconds:0} torch_transform_evaluate_images_per_s={count / evaluateSeconds:0}");

        int predictions = parse.GetValue(_predictions);
        Cifar10Image[] images = ml.Data.CreateEnumerable<Cifar10Image>(test, false).Take(predictions + 20).ToArray();
        using var torchEngine = ml.Model.CreatePredictionEngine<Cifar10Image, TorchPrediction>(torch);
        using var onnxEngine = ml.Model.CreatePredictionEngine<Cifar10Image, OnnxPrediction>(onnx);
        double torchMs = MillisecondsPerPrediction(images, image => torchEngine.Predict(image));
        double onnxMs = MillisecondsPerPrediction(images, image => onnxEngine.Predict(image));
        Print($"PREDICT torch_ms={torchMs:0.000} onnx_ms={onnxMs:0.000} predictions={images.Length - 20}");
        return 0;
    }

    private static double MillisecondsPerPrediction(Cifar10Image[] images, Action<Cifar10Image> predict)
    {
        foreach (Cifar10Image image in images.Take(20))
            predict(image);
        var clock = Stopwatch.StartNew();
        foreach (Cifar10Image image in images.Skip(20))
            predict(image);
        return clock.Elapsed.TotalMilliseconds / (images.Length - 20);
    }
}
