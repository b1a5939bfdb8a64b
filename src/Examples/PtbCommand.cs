using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// A recurrent-cell search on Penn Treebank: search, retrain the best cell, corpus perplexity on the test split, save,
/// load, and predict next words with a PredictionEngine.
/// </summary>
internal static class PtbCommand
{
    private sealed class NextWord
    {
        public string Text { get; set; } = "";
        public float Perplexity { get; set; }
        public string PredictedNextWord { get; set; } = "";
    }

    /// <summary>The model size options (--leaves, --hidden for embedding and hidden size, --layers) over <paramref name="shape"/>.</summary>
    public static RecurrentCellSearchSpaceOptions CellShape(RecurrentCellSearchSpaceOptions shape, CommandLine cl)
    {
        int hidden = cl.Int("hidden", 200);
        return shape with { Leaves = cl.Int("leaves", 4), EmbeddingSize = hidden, HiddenSize = hidden, Layers = cl.Int("layers", 2) };
    }

    /// <summary>The training options (--steps-per-epoch caps an epoch) over <paramref name="training"/>.</summary>
    public static LanguageModelTrainingOptions Training(LanguageModelTrainingOptions training, CommandLine cl) =>
        cl.OptionalInt("steps-per-epoch") is { } steps ? training with { MaxStepsPerEpoch = steps } : training;

    public static int Run(CommandLine cl)
    {
        PennTreebankFiles files = PennTreebank.Locate(cl.DataDirectory("ptb"));
        string outDir = cl.OutputDirectory("ptb");
        Directory.CreateDirectory(outDir);
        var ml = new MLContext(seed: cl.OptionalInt("seed") ?? 1);
        int? sentences = cl.OptionalInt("train-size");
        IDataView train = PennTreebank.LoadDataView(ml, files.Train, sentences);
        IDataView valid = PennTreebank.LoadDataView(ml, files.Valid, cl.OptionalInt("valid-size"));
        IDataView test = PennTreebank.LoadDataView(ml, files.Test, cl.OptionalInt("test-size"));

        var options = SearchCommandOptions.Apply(new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling,
            FeatureColumnName = "Text",
            MaxTrials = 6, TrialEpochs = 1, FinalEpochs = 4,
            ValidationData = valid,
        }, cl, "ptb");
        options.RecurrentCellSpace = CellShape(options.RecurrentCellSpace, cl);
        options.LanguageModelTraining = Training(options.LanguageModelTraining, cl);
        SearchCommandOptions.Print($"PTB cell search on {Path.GetDirectoryName(files.Train)}", options);

        var display = new SearchProgressDisplay("Penn Treebank recurrent-cell search");
        options.Progress = display;
        var clock = Stopwatch.StartNew();
        ArchitectureSearchTransformer model = display.Show(() => ml.Transforms.ArchitectureSearch(options).Fit(train));
        Console.WriteLine($"search + final training: {clock.Elapsed.TotalSeconds:0} s (search {display.SearchElapsed?.TotalSeconds ?? 0:0} s)");
        Console.WriteLine($"best cell ({model.Architecture.ParameterCount:N0} parameters): {model.Architecture.Description}");
        Console.WriteLine($"validation perplexity {model.EvaluatePerplexity(valid):0.00}, test perplexity {model.EvaluatePerplexity(test):0.00} (each sentence from a fresh state)");

        string zip = Path.Combine(outDir, "model.zip");
        ml.Model.Save(model, train.Schema, zip);
        var reloadContext = new MLContext();
        var loaded = (ArchitectureSearchTransformer)reloadContext.Model.Load(zip, out _);
        Console.WriteLine($"saved and reloaded {zip}");
        using var engine = reloadContext.Model.CreatePredictionEngine<SentenceRow, NextWord>(loaded);
        foreach (string text in new[] { "the company said it expects", "stock prices", "the federal reserve" })
        {
            NextWord p = engine.Predict(new SentenceRow { Text = text });
            Console.WriteLine($"  '{text}' -> next word '{p.PredictedNextWord}' (sentence perplexity {p.Perplexity:0.0})");
        }
        SearchCommandOptions.WriteResults(model, outDir, "Penn Treebank recurrent-cell search");
        return 0;
    }
}
