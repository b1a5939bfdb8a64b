using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// How much test accuracy a training recipe buys per CPU-minute: trains one architecture document (e.g.
/// bench/reference-airbench.json) on the CIFAR-10 training images and scores the 10,000 test images after every epoch,
/// printing the curve of test accuracy against wall minutes. The test split plays the trainer's validation role here
/// only to draw that curve; nothing is selected on it (every epoch runs, the last one is the result).
/// </summary>
internal sealed class CifarRecipeCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("images");
    private readonly Option<string?> _architecture = CommonOptions.Architecture("The network to train (an architecture document).");
    private readonly Option<int> _epochs = CommonOptions.Count("--epochs", "Training epochs.", 10);
    private readonly Option<string> _recipe = new Option<string>("--recipe")
    {
        Description = "classic: the library's defaults (batch 64, cosine, lr 0.05); fast: batch 512, warm-up + linear decay, label smoothing 0.2, Lookahead, flip test-time augmentation; airbench: airbench94's optimiser settings (see Airbench).",
        HelpName = "classic|fast|airbench", DefaultValueFactory = _ => "fast",
    }.AcceptOnlyFromAmong("classic", "fast", "airbench");
    private readonly Option<string[]> _without = new("--without")
    {
        Description = "Ablation: recipe pieces to turn off (comma-separated): smoothing, lookahead, tta, warmup; airbench also bn-scale-frozen, bn-shift-rate.", HelpName = "PIECES",
        DefaultValueFactory = _ => Array.Empty<string>(),
        CustomParser = result => result.Tokens.Single().Value.Split(',', StringSplitOptions.RemoveEmptyEntries),
    };
    private readonly Option<double?> _learningRate = new("--learning-rate") { Description = "Overrides the recipe's learning rate.", HelpName = "RATE" };
    private readonly Option<int?> _batchSize = CommonOptions.OptionalCount("--batch-size", "Overrides the recipe's batch size.", minimum: 2);
    private readonly Option<string> _compute = new Option<string>("--compute")
    {
        Description = "How the network computes while training: fp32 (NCHW float32), cl (channels-last float32, the library's default), bf16, cl-bf16 (bfloat16 convolutions).",
        HelpName = "fp32|cl|bf16|cl-bf16", DefaultValueFactory = _ => "cl",
    }.AcceptOnlyFromAmong("fp32", "cl", "bf16", "cl-bf16");
    private readonly Option<bool> _tunedAllocator = new("--tuned-allocator") { Description = "Tune glibc's malloc as ArchitectureSearchOptions.NativeAllocatorTuning = Speed does (off by default, as there)." };
    private readonly Option<int> _seed = CommonOptions.Seed();
    private readonly Option<string> _device = CommonOptions.Device();

    public CifarRecipeCommand()
        : base("cifar-recipe", "Train one architecture document on CIFAR-10 with a recipe; test accuracy after every epoch against wall minutes.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _testSize, _architecture, _epochs, _recipe, _without, _learningRate, _batchSize, _compute, _tunedAllocator, _seed, _device })
            Options.Add(option);
        _architecture.Required = true;
        SetAction(Run);
    }

    /// <summary>The recipe's options: the library's defaults, or the fast CIFAR recipe's pieces minus <paramref name="without"/>.</summary>
    internal static CnnTrainingOptions Recipe(string name, IReadOnlyCollection<string> without)
    {
        var classic = new CnnTrainingOptions();
        if (name == "classic")
            return classic;
        if (name == "airbench")
            return Airbench(without);
        return classic with
        {
            BatchSize = 512,
            LearningRate = 0.4,
            Schedule = without.Contains("warmup") ? LearningRateSchedule.Cosine : LearningRateSchedule.WarmupLinear,
            WarmupFraction = 0.2,
            LabelSmoothing = without.Contains("smoothing") ? 0 : 0.2,
            LookaheadSteps = without.Contains("lookahead") ? null : 5,
            TestTimeFlip = !without.Contains("tta"),
            AugmentationPadding = 2,
            EvaluationBatchSize = 500,
        };
    }

    /// <summary>
    /// airbench94's optimiser settings in this trainer's terms (Jordan 2024: lr 11.5 and weight decay 0.0153 per 1,024
    /// examples on a summed loss, momentum 0.85; kilostep scale 1024 * (1 + 1 / (1 - 0.85))): on a mean loss at batch
    /// 512 that is lr 11.5 * 512 / 7850.7 = 0.75 and a decay of 0.0153 * 512 / 7850.7 = 0.000998 per step, i.e. weight
    /// decay 0.00133; batch norm trains its shift only, at 64x the learning rate. Warm-up over 20% then linear decay,
    /// label smoothing 0.2, Lookahead, translate by up to 2 pixels and flip, flip test-time augmentation.
    /// </summary>
    internal static CnnTrainingOptions Airbench(IReadOnlyCollection<string> without) => Recipe("fast", without) with
    {
        LearningRate = 0.75,
        Momentum = 0.85,
        WeightDecay = 0.0153 * 512 / (1024 * (1 + 1 / (1 - 0.85))) / 0.75,
        TrainBatchNormScale = without.Contains("bn-scale-frozen"),
        BatchNormShiftLearningRateScale = without.Contains("bn-shift-rate") ? 1 : 64,
    };

    /// <summary>Process RSS, managed heap and TorchSharp's live-tensor count on this thread: what grows between epochs.</summary>
    private static string MemoryLine()
    {
        using var self = Process.GetCurrentProcess();
        var tensors = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        return string.Create(CultureInfo.InvariantCulture,
            $"rss_mib={self.WorkingSet64 / (1 << 20)} managed_mib={GC.GetTotalMemory(false) / (1 << 20)} live_tensors={tensors.ThreadTotalLiveCount} created_outside_scope={tensors.CreatedOutsideScopeCount}");
    }

    private int Run(ParseResult parse)
    {
        // As a Fit does with NativeAllocatorTuning = Speed: this command drives the trainer directly.
        bool tuned = parse.GetValue(_tunedAllocator) && NativeAllocator.Tune(NativeAllocatorTuning.Speed).InForce;
        string dir = _dataDir.Resolve(parse);
        (ImageData train, _) = Cifar10Loader.LoadDense(dir, Cifar10Split.Train, parse.GetValue(_trainSize));
        (ImageData test, _) = Cifar10Loader.LoadDense(dir, Cifar10Split.Test, parse.GetValue(_testSize));
        var dataSpace = new CnnSearchSpace(new CnnSearchSpaceOptions { InputChannels = train.Channels, InputHeight = train.Height, InputWidth = train.Width, ClassCount = 10 });
        CnnArchitecture architecture = dataSpace.FromJsonForData(parse.ReadFile(_architecture)!);

        string recipeName = parse.GetValue(_recipe)!;
        string[] without = parse.GetValue(_without)!;
        string compute = parse.GetValue(_compute)!;
        CnnTrainingOptions recipe = Recipe(recipeName, without) with
        {
            Device = parse.GetValue(_device)!, ChannelsLast = compute.StartsWith("cl", StringComparison.Ordinal), BFloat16 = compute.EndsWith("bf16", StringComparison.Ordinal),
        };
        recipe = ComputePrecision.Resolve(recipe, new ConsoleWarnings());
        if (parse.GetValue(_learningRate) is double rate) recipe = recipe with { LearningRate = rate };
        if (parse.GetValue(_batchSize) is int batch) recipe = recipe with { BatchSize = batch };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CIFAR-10 recipe {recipeName}{(without.Length > 0 ? " without " + string.Join(",", without) : "")}: {architecture.ParameterCount:N0} parameters, {architecture.MultiplyAdds:N0} multiply-adds; {train.Count} training / {test.Count} test images; compute {compute}, allocator {(tuned ? "tuned" : "glibc default")}; {recipe}"));

        var clock = Stopwatch.StartNew();
        using var trainer = new CnnChildTrainer(train, test, null, recipe);
        var settings = new ChildTrainingSettings
        {
            Epochs = parse.GetValue(_epochs),
            Seed = parse.GetValue(_seed),
            ContinueAfterEpoch = (epoch, accuracy) =>
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EPOCH {epoch + 1} minutes={clock.Elapsed.TotalMinutes:0.00} test_accuracy={accuracy:0.0000} {MemoryLine()}"));
                return true;
            },
        };
        using TrainedChild child = trainer.Train(architecture, settings);
        TrialResult r = child.Result;
        if (r.Failed)
            throw new InvalidOperationException($"Training failed: {r.FailureReason}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT recipe={recipeName} compute={compute} without={string.Join(",", without)} epochs={r.EpochsCompleted} test_accuracy={r.ValidationMetricPerEpoch[^1]:0.0000} minutes={clock.Elapsed.TotalMinutes:0.00} train_images_per_s={r.ExamplesPerSecond:0}"));
        return 0;
    }

    /// <summary>Warnings (e.g. bfloat16 turned off on a CPU without it) printed where the run's log is.</summary>
    private sealed class ConsoleWarnings : Execution.ISearchLog
    {
        public void Info(string message) => Console.WriteLine(message);

        public void Warning(string message) => Console.WriteLine("WARNING " + message);
    }
}
