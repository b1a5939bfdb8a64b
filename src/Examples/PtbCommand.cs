using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;

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
        int hidden = cl.Int("hidden", 200);
        options.RecurrentCellSpace = options.RecurrentCellSpace with
        {
            Leaves = cl.Int("leaves", 4), EmbeddingSize = hidden, HiddenSize = hidden, Layers = cl.Int("layers", 2),
        };
        if (cl.OptionalInt("steps-per-epoch") is { } steps)
            options.LanguageModelTraining = options.LanguageModelTraining with { MaxStepsPerEpoch = steps };
        SearchCommandOptions.Print($"PTB cell search on {Path.GetDirectoryName(files.Train)}", options);

        var display = new SearchProgressDisplay("Penn Treebank recurrent-cell search");
        options.Progress = display;
        var clock = Stopwatch.StartNew();
        ArchitectureSearchTransformer model = display.Show(() => ml.Transforms.ArchitectureSearch(options).Fit(train));
        Console.WriteLine($"search + final training: {clock.Elapsed.TotalSeconds:0} s");
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
        var report = model.WriteReport(Path.Combine(outDir, "report"), "Penn Treebank recurrent-cell search");
        Console.WriteLine($"report: {report.Directory}");
        return 0;
    }
}
