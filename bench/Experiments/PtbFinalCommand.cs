using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Penn Treebank's standard measurement of one model: train on ptb.train only, report validation and test perplexity
/// over each whole file as one stream (state carried across sentences, as published PTB numbers are; the model is
/// trained that way too unless a --training file sets carryStateAcrossSentences to false). The model is a
/// searched cell (--architecture, the best-architecture.json a ptb search writes) or the LSTM baseline (--model lstm)
/// of the same size, so the two are trained by the same code with the same budget.
/// </summary>
internal sealed class PtbFinalCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("ptb");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("sentences");
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("sentences");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("sentences");
    private readonly LanguageModelOptions _model;
    private readonly Option<string> _modelKind = new Option<string>("--model")
    {
        Description = "cell: the searched cell of --architecture; lstm: the LSTM baseline of the same size.", HelpName = "cell|lstm",
        DefaultValueFactory = _ => "cell",
    }.AcceptOnlyFromAmong("cell", "lstm");
    private readonly Option<string?> _architecture = CommonOptions.Architecture("The cell to train (the best-architecture.json of a ptb search); needed by --model cell.");
    private readonly Option<int> _epochs = CommonOptions.Count("--epochs", "Training epochs.", 4);
    private readonly Option<int> _seed = CommonOptions.Seed();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<FileInfo?> _checkpoint = new("--checkpoint")
    {
        Description = "Save the training after every epoch to this file, and continue from it when it exists (a rerun of a stopped training resumes after its last finished epoch).",
        HelpName = "FILE",
    };

    public PtbFinalCommand()
        : base("ptb-final", "Train a searched cell (--architecture FILE) or the LSTM baseline (--model lstm) on ptb.train; perplexities over whole files as streams.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _testSize })
            Options.Add(option);
        _model = new LanguageModelOptions(this);
        foreach (Option option in new Option[] { _modelKind, _architecture, _epochs, _seed, _device, _checkpoint })
            Options.Add(option);
        Validators.Add(result =>
        {
            // Tokens, not values: an invalid --model is reported by its own check, and defaults are not in place yet.
            bool cell = result.GetResult(_modelKind)?.Tokens.All(t => t.Value == "cell") ?? true;
            if (cell && result.GetResult(_architecture) is null)
                result.AddError("--model cell needs --architecture FILE (the best-architecture.json of a ptb search).");
        });
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        PennTreebankFiles files = PennTreebank.Locate(_dataDir.Resolve(parse));
        string[] trainSentences = PennTreebank.ReadSentences(files.Train, parse.GetValue(_trainSize));
        var vocabulary = Vocabulary.Build(trainSentences);
        int[] train = vocabulary.EncodeStream(trainSentences, out _);
        int[] valid = vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Valid, parse.GetValue(_validSize)), out int validUnknown);
        int[] test = vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Test, parse.GetValue(_testSize)), out int testUnknown);
        if (validUnknown + testUnknown > 0)
            Console.WriteLine($"{validUnknown} validation and {testUnknown} test words are not in the training vocabulary and are scored as <unk>.");

        RecurrentCellSearchSpaceOptions shape = _model.CellShape(new RecurrentCellSearchSpaceOptions(), parse) with { VocabularySize = vocabulary.Count };
        LanguageModelTrainingOptions training = _model.Training(new LanguageModelTrainingOptions { Device = parse.GetValue(_device)!, CarryStateAcrossSentences = true }, parse);
        var trainer = new LanguageModelChildTrainer(train, valid, test, vocabulary.Count, vocabulary.EndOfSentenceId, training);
        var epochClock = Stopwatch.StartNew();
        var settings = new ChildTrainingSettings
        {
            Epochs = parse.GetValue(_epochs), Seed = parse.GetValue(_seed), EvaluateTest = true,
            EpochCheckpointPath = parse.GetValue(_checkpoint)?.FullName,
            // A line per epoch, so that a run stopped before its end still shows how far it got.
            ContinueAfterEpoch = (epoch, perplexity) =>
            {
                Console.WriteLine($"epoch {epoch + 1}: validation perplexity {perplexity:0.00} ({epochClock.Elapsed.TotalSeconds:0} s)");
                return true;
            },
        };

        string model = parse.GetValue(_modelKind)!;
        string description;
        Func<TrainedChild> trainModel;
        switch (model)
        {
            case "lstm":
                description = $"LSTM, {shape.Layers} layers, embedding {shape.EmbeddingSize}, hidden {shape.HiddenSize}";
                trainModel = () => trainer.TrainLstmBaseline(shape, settings);
                break;
            case "cell":
                string json = parse.ReadFile(_architecture)!; // the validator made it present
                IArchitecture cell = LanguageModelSpaces.Create(shape).FromJson(json); // --enas-nodes picks the ENAS cell space
                description = $"searched cell, {shape.Layers} layers, embedding {shape.EmbeddingSize}, hidden {shape.HiddenSize}: {cell.Describe()}";
                trainModel = () => trainer.Train(cell, settings);
                break;
            default:
                throw new ArgumentException($"Unknown --model '{model}' (cell or lstm).");
        }
        Console.WriteLine($"PTB final training of the {description}; {settings.Epochs} epochs on {train.Length:N0} training tokens, seed {settings.Seed}");
        if (settings.EpochCheckpointPath is { } checkpoint && File.Exists(checkpoint))
            Console.WriteLine($"continuing from the epochs saved in {checkpoint} (the epoch lines below are this run's)");

        TrainedChild child = trainModel();
        using var network = child.Network;
        TrialResult r = child.Result;
        if (network is null)
            throw new InvalidOperationException($"Training failed: {r.FailureReason}");
        Console.WriteLine($"validation perplexity per epoch: {string.Join(", ", r.ValidationMetricPerEpoch.Select(v => v.ToString("0.00")))}");
        Console.WriteLine(
            $"RESULT model={model} parameters={r.ParameterCount} epochs={r.EpochsCompleted} valid_ppl={r.ValidationMetricPerEpoch[^1]:0.00} " +
            $"test_ppl={r.TestMetric:0.00} wall_s={r.WallTime.TotalSeconds:0} tokens_per_s={r.ExamplesPerSecond:0}");
        return 0;
    }
}
