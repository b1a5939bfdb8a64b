using System.CommandLine;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// The memory screen's estimate (<see cref="TrainingMemoryEstimate"/>, what MaxMemoryPerChild is checked against) next
/// to what training that child really adds to the process: the data and trainer are set up, the peak resident set is
/// reset (Linux: /proc/self/clear_refs), one child trains, and the new peak minus the resident set before it is the
/// measured growth. Run one child per process (bench/run-memory-estimate.sh), so no freed memory of an earlier child
/// hides the growth; the growth also holds libtorch's first-use costs (kernels, thread pools), which a tiny child shows.
/// </summary>
internal sealed class MemoryEstimateCommand : System.CommandLine.Command
{
    private readonly Option<string> _model = new("--model") { Description = "cnn or lm.", DefaultValueFactory = _ => "cnn" };
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10", "ptb");
    private readonly Option<string?> _architecture = CommonOptions.Architecture("cnn: the network (an architecture document; default: the plain 3x3 reference of --layers layers of --filters filters).");
    private readonly Option<int> _layers = CommonOptions.Layers("cnn: layers of the default network.", 6);
    private readonly Option<int> _filters = CommonOptions.Count("--filters", "cnn: filters per layer of the default network.", 64);
    private readonly Option<int> _batchSize = CommonOptions.Count("--batch-size", "Training batch size (lm: parallel streams).", 64);
    private readonly Option<int> _hidden = CommonOptions.Count("--hidden", "lm: embedding and hidden size.", 200);

    public MemoryEstimateCommand()
        : base("memory-estimate", "One child: the memory screen's estimate against the measured growth of the peak resident set while it trains.")
    {
        foreach (Option option in new Option[] { _model, _dataDir, _architecture, _layers, _filters, _batchSize, _hidden })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        int batch = parse.GetValue(_batchSize);
        (string description, TrainingMemoryEstimate estimate, Func<TrainedChild> train) = parse.GetValue(_model) switch
        {
            "cnn" => Cnn(parse, batch),
            "lm" => LanguageModel(parse, batch),
            var other => throw new ArgumentException($"Unknown --model '{other}' (cnn or lm)."),
        };
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current resident set
        long before = Status("VmRSS");
        using (TrainedChild child = train())
        {
            if (child.Result.Failed)
                throw new InvalidOperationException($"Training failed: {child.Result.FailureReason}");
        }
        long peak = Status("VmHWM");
        double growth = peak - before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {description} batch={batch} estimate_mib={estimate.TotalBytes / 1048576.0:0} weights_mib={estimate.Weights / 1048576.0:0} " +
            $"activations_mib={estimate.Activations / 1048576.0:0} rss_before_mib={before / 1048576.0:0} peak_growth_mib={growth / 1048576.0:0} " +
            $"estimate_over_growth={estimate.TotalBytes / growth:0.00}"));
        return 0;
    }

    private (string, TrainingMemoryEstimate, Func<TrainedChild>) Cnn(ParseResult parse, int batch)
    {
        (ImageData all, _) = Cifar10Loader.LoadDense(_dataDir.Resolve(parse, "cifar10"), Cifar10Split.Train, 2 * batch + 100);
        ImageData train = all.Select(Enumerable.Range(0, 2 * batch).ToArray()), validation = all.Select(Enumerable.Range(2 * batch, 100).ToArray());
        int layers = parse.GetValue(_layers), filters = parse.GetValue(_filters);
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions
        {
            InputChannels = 3, InputHeight = 32, InputWidth = 32, ClassCount = 10, LayerCount = layers, FilterCounts = new[] { filters },
        });
        string json = parse.ReadFile(_architecture) ?? System.Text.Json.JsonSerializer.Serialize(new
        {
            space = "cnn",
            layers = Enumerable.Range(0, layers).Select(i => new { filterHeight = 3, filterWidth = 3, filters, stride = 1, pool = "none", inputs = i == 0 ? Array.Empty<int>() : new[] { i - 1 } }),
        });
        CnnArchitecture architecture = space.FromJsonForData(json);
        var options = new CnnTrainingOptions { BatchSize = batch, EvaluationBatchSize = batch, Device = "cpu" };
        var trainer = new CnnChildTrainer(train, validation, null, options);
        return ($"model=cnn parameters={architecture.ParameterCount} layers={architecture.Layout.Layers.Count}",
            CnnMemoryEstimate.For(architecture, options),
            () => trainer.Train(architecture, new ChildTrainingSettings { Epochs = 1, Seed = 1 }));
    }

    private (string, TrainingMemoryEstimate, Func<TrainedChild>) LanguageModel(ParseResult parse, int batch)
    {
        PennTreebankFiles files = PennTreebank.Locate(_dataDir.Resolve(parse, "ptb"));
        string[] sentences = PennTreebank.ReadSentences(files.Train, null);
        var vocabulary = Vocabulary.Build(sentences);
        int[] tokens = vocabulary.EncodeStream(sentences, out _);
        int[] valid = vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Valid, null), out _);
        int hidden = parse.GetValue(_hidden);
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { EmbeddingSize = hidden, HiddenSize = hidden, VocabularySize = vocabulary.Count });
        var cell = (RecurrentCellArchitecture)space.References[0].Architecture;
        var options = new LanguageModelTrainingOptions { CarryStateAcrossSentences = true, BatchSize = batch, EvaluationBatchSize = batch, MaxStepsPerEpoch = 5, MaxEvaluationSteps = 2, Device = "cpu" };
        var trainer = new LanguageModelChildTrainer(tokens, valid, null, vocabulary.Count, vocabulary.EndOfSentenceId, options);
        return ($"model=lm parameters={cell.ParameterCount} vocabulary={vocabulary.Count} hidden={hidden} bptt={options.Bptt}",
            LanguageModelMemoryEstimate.For(cell, options),
            () => trainer.Train(cell, new ChildTrainingSettings { Epochs = 1, Seed = 1 }));
    }

    private static long Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
