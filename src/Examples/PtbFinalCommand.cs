using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// Penn Treebank's standard measurement of one model: train on ptb.train only, report validation and test perplexity
/// over each whole file as one stream (state carried across sentences, as published PTB numbers are). The model is a
/// searched cell (--architecture, the best-architecture.json a ptb search writes) or the LSTM baseline (--model lstm)
/// of the same size, so the two are trained by the same code with the same budget.
/// </summary>
internal static class PtbFinalCommand
{
    public static int Run(CommandLine cl)
    {
        PennTreebankFiles files = PennTreebank.Locate(cl.DataDirectory("ptb"));
        string[] trainSentences = PennTreebank.ReadSentences(files.Train, cl.OptionalInt("train-size"));
        var vocabulary = Vocabulary.Build(trainSentences);
        int[] train = vocabulary.EncodeStream(trainSentences, out _);
        int[] valid = vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Valid, cl.OptionalInt("valid-size")), out int validUnknown);
        int[] test = vocabulary.EncodeStream(PennTreebank.ReadSentences(files.Test, cl.OptionalInt("test-size")), out int testUnknown);
        if (validUnknown + testUnknown > 0)
            Console.WriteLine($"{validUnknown} validation and {testUnknown} test words are not in the training vocabulary and are scored as <unk>.");

        RecurrentCellSearchSpaceOptions shape = PtbCommand.CellShape(new RecurrentCellSearchSpaceOptions(), cl) with { VocabularySize = vocabulary.Count };
        LanguageModelTrainingOptions training = PtbCommand.Training(new LanguageModelTrainingOptions { Device = cl.Text("device") ?? "auto" }, cl);
        var trainer = new LanguageModelChildTrainer(train, valid, test, vocabulary.Count, training);
        var settings = new ChildTrainingSettings { Epochs = cl.Int("epochs", 4), Seed = cl.OptionalInt("seed") ?? 1, EvaluateTest = true };

        string model = cl.Text("model") ?? "cell";
        string description;
        Func<TrainedChild> trainModel;
        switch (model)
        {
            case "lstm":
                description = $"LSTM, {shape.Layers} layers, embedding {shape.EmbeddingSize}, hidden {shape.HiddenSize}";
                trainModel = () => trainer.TrainLstmBaseline(shape, settings);
                break;
            case "cell":
                string json = cl.FileText("architecture") ?? throw new ArgumentException("--model cell needs --architecture FILE (the best-architecture.json of a ptb search).");
                var cell = (RecurrentCellArchitecture)new RecurrentCellSearchSpace(shape).FromJson(json);
                description = $"searched cell, {shape.Layers} layers, embedding {shape.EmbeddingSize}, hidden {shape.HiddenSize}: {cell.Describe()}";
                trainModel = () => trainer.Train(cell, settings);
                break;
            default:
                throw new ArgumentException($"Unknown --model '{model}' (cell or lstm).");
        }
        Console.WriteLine($"PTB final training of the {description}; {settings.Epochs} epochs on {train.Length:N0} training tokens, seed {settings.Seed}");

        var clock = Stopwatch.StartNew();
        TrainedChild child = trainModel();
        using var network = child.Network;
        TrialResult r = child.Result;
        if (network is null)
            throw new InvalidOperationException($"Training failed: {r.FailureReason}");
        Console.WriteLine($"validation perplexity per epoch: {string.Join(", ", r.ValidationMetricPerEpoch.Select(v => v.ToString("0.00")))}");
        Console.WriteLine(
            $"RESULT model={model} parameters={r.ParameterCount} epochs={r.EpochsCompleted} valid_ppl={r.ValidationMetricPerEpoch[^1]:0.00} " +
            $"test_ppl={r.TestMetric:0.00} wall_s={clock.Elapsed.TotalSeconds:0} tokens_per_s={r.ExamplesPerSecond:0}");
        return 0;
    }
}
