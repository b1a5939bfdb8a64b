using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// The main job: a CIFAR-10 architecture search in an ML.NET pipeline. Search, retrain the best, evaluate on the test
/// split, save the model zip, load it back and score with a PredictionEngine, export the pipeline as ONNX, score image
/// files from class folders through LoadImages/ResizeImages/ExtractPixels, and write the search report.
/// </summary>
internal sealed class Cifar10Command : System.CommandLine.Command
{
    private sealed class Prediction
    {
        public string PredictedName { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private readonly SearchCommandOptions _search;
    private readonly OrleansClientOptions _orleans;
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("images");
    private readonly Option<int> _layers = CommonOptions.Layers("Layers of the CNN search space (an --architecture document with settings brings its own).", new CnnSearchSpaceOptions().LayerCount);
    private readonly Option<string?> _space = CommonOptions.ExistingFile("--space",
        "The CNN search space's settings as JSON (a CnnSearchSpaceOptions, e.g. bench/space-airbench.json, or the 'settings' of an architecture document); the data sets the input shape and classes.");
    private readonly Option<string?> _training = CommonOptions.ExistingFile("--training",
        "The child and final training settings as JSON (a CnnTrainingOptions; members left out keep their defaults).");
    private readonly Option<string?> _images = new("--images")
    {
        Description = "Folder of class subfolders of image files to score (default: 'images' beside the data folder; skipped when missing).",
        HelpName = "DIR",
    };

    public Cifar10Command()
        : base("cifar10", "Architecture search on CIFAR-10 images (testdata by default; --data-dir for the full set), then test accuracy, save/load, scoring and the report.")
    {
        _search = new SearchCommandOptions(this, "cifar10", () => new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.ImageClassification,
            FeatureColumnName = "Image",
            LabelColumnName = "Label",
            ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
            MaxTrials = 8, TrialEpochs = 1, FinalEpochs = 10,
        });
        foreach (Option option in new Option[] { _trainSize, _testSize, _layers, _space, _training, _images })
            Options.Add(option);
        // A space file brings its own layer count: a --layers beside it would be silently ignored.
        Validators.Add(result =>
        {
            if (result.GetResult(_space) is not null && result.GetResult(_layers) is { Implicit: false })
                result.AddError("--layers has no effect with --space: set the layer count in the space file (layerCount).");
        });
        _orleans = new OrleansClientOptions(this);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        string dataDir = _search.DataDirectory.Resolve(parse);
        string outDir = Path.GetFullPath(parse.GetValue(_search.Output)!);
        Directory.CreateDirectory(outDir);
        var ml = new MLContext(seed: _search.Seed(parse));
        IDataView train = Cifar10Loader.LoadDataView(ml, dataDir, Cifar10Split.Train, parse.GetValue(_trainSize));
        IDataView test = Cifar10Loader.LoadDataView(ml, dataDir, Cifar10Split.Test, parse.GetValue(_testSize));

        ArchitectureSearchOptions options = _search.Apply(parse);
        options.ConvolutionalSpace = parse.ReadJson<CnnSearchSpaceOptions>(_space)
            ?? options.ConvolutionalSpace with { LayerCount = parse.GetValue(_layers) };
        options.ImageTraining = parse.ReadJson<CnnTrainingOptions>(_training) ?? options.ImageTraining;
        SearchCommandOptions.Print($"CIFAR-10 search on {dataDir}", options);
        if (options.WeightSharing)
            Console.WriteLine($"weight sharing: {options.SharedEpochs} shared epochs, {options.MaxTrials} children scored per shared epoch, then 10 final candidates");

        using IHost? cluster = _orleans.Connect(parse);
        OrleansCluster.Use(cluster, options);

        var display = new SearchProgressDisplay("CIFAR-10 architecture search");
        options.Progress = display;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options));
        var clock = Stopwatch.StartNew();
        var model = display.Show(() => pipeline.Fit(train));
        Console.WriteLine($"search + final training: {clock.Elapsed.TotalSeconds:0} s (search {display.SearchElapsed?.TotalSeconds ?? 0:0} s)");
        ArchitectureSearchTransformer searched = model.LastTransformer;
        Console.WriteLine($"best architecture ({searched.Architecture.ParameterCount:N0} parameters): {searched.Architecture.Description}");

        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"test accuracy {metrics.MicroAccuracy:0.0000}, macro accuracy {metrics.MacroAccuracy:0.0000}, log-loss {metrics.LogLoss:0.0000}");

        string zip = Path.Combine(outDir, "model.zip");
        ml.Model.Save(model, train.Schema, zip);
        var reloadContext = new MLContext();
        ITransformer loaded = reloadContext.Model.Load(zip, out _);
        var loadedSearch = ((TransformerChain<ITransformer>)loaded).LastTransformer as ArchitectureSearchTransformer
            ?? throw new InvalidOperationException("The loaded model does not end with an ArchitectureSearchTransformer.");
        Console.WriteLine($"saved and reloaded {zip}: {loadedSearch.Architecture.Description}");

        // The same pipeline as ONNX (MapValueToKey and the whole network), to score without TorchSharp: src/Examples.OnnxScoring.
        string onnx = Path.Combine(outDir, "model.onnx");
        using (FileStream file = File.Create(onnx))
            ml.Model.ConvertToOnnx(model, test, file);
        Console.WriteLine($"exported {onnx} ({new FileInfo(onnx).Length:N0} bytes)");

        // Scoring one image at a time; MapKeyToValue turns the predicted key back into a class name.
        ITransformer withNames = loaded.Append(reloadContext.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel").Fit(loaded.Transform(test)));
        using var engine = reloadContext.Model.CreatePredictionEngine<Cifar10Image, Prediction>(withNames);
        foreach (Cifar10Image image in reloadContext.Data.CreateEnumerable<Cifar10Image>(test, reuseRowObject: false).Take(5))
        {
            Prediction p = engine.Predict(image);
            Console.WriteLine($"  true {image.Label,-10} predicted {p.PredictedName,-10} p={p.Score.Max():0.000}");
        }

        ScoreImageFiles(reloadContext, withNames, parse.GetValue(_images) ?? Path.Combine(Path.GetDirectoryName(dataDir)!, "images"));
        SearchCommandOptions.WriteResults(searched, outDir, "CIFAR-10 architecture search");
        return 0;
    }

    /// <summary>Users' own images: class folders through LoadImages/ResizeImages/ExtractPixels, then the saved model.</summary>
    private static void ScoreImageFiles(MLContext ml, ITransformer model, string folder)
    {
        if (!Directory.Exists(folder)) return;
        IDataView files = ImageFolderLoader.ListImages(ml, folder);
        ITransformer pixels = ImageFolderLoader.PixelPipeline(ml).Fit(files);
        IDataView scored = model.Transform(pixels.Transform(files));
        string[] paths = scored.GetColumn<string>("ImagePath").ToArray();
        string[] truth = files.GetColumn<string>("Label").ToArray(); // the model chain turns Label into a key
        string[] predicted = scored.GetColumn<string>("PredictedName").ToArray();
        Console.WriteLine($"image files in {folder}: {predicted.Where((p, i) => p == truth[i]).Count()}/{predicted.Length} correct");
        for (int i = 0; i < Math.Min(4, paths.Length); i++)
            Console.WriteLine($"  {Path.GetRelativePath(folder, paths[i]),-22} true {truth[i],-10} predicted {predicted[i]}");
    }
}
