using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;

namespace Microsoft.ML.ArchitectureSearch.Examples;

/// <summary>
/// A recurrent-cell search on Penn Treebank: search, retrain the best cell, corpus perplexity on the test split, save,
/// load, predict next words with a PredictionEngine, and export to ONNX.
/// </summary>
internal sealed class PtbCommand : System.CommandLine.Command
{
    private sealed class NextWord
    {
        public string Text { get; set; } = "";
        public float Perplexity { get; set; }
        public string PredictedNextWord { get; set; } = "";
    }

    private readonly SearchCommandOptions _search;
    private readonly LanguageModelOptions _model;
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("sentences");
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("sentences");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("sentences");

    public PtbCommand()
        : base("ptb", "Architecture search over recurrent cells on Penn Treebank (testdata by default), then perplexities, save/load and next-word prediction.")
    {
        _search = new SearchCommandOptions(this, "ptb", () => new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling,
            FeatureColumnName = "Text",
            MaxTrials = 6, TrialEpochs = 1, FinalEpochs = 4,
        });
        foreach (Option option in new Option[] { _trainSize, _validSize, _testSize })
            Options.Add(option);
        _model = new LanguageModelOptions(this);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        PennTreebankFiles files = PennTreebank.Locate(_search.DataDirectory.Resolve(parse));
        string outDir = Path.GetFullPath(parse.GetValue(_search.Output)!);
        Directory.CreateDirectory(outDir);
        var ml = new MLContext(seed: _search.Seed(parse));
        IDataView train = PennTreebank.LoadDataView(ml, files.Train, parse.GetValue(_trainSize));
        IDataView valid = PennTreebank.LoadDataView(ml, files.Valid, parse.GetValue(_validSize));
        IDataView test = PennTreebank.LoadDataView(ml, files.Test, parse.GetValue(_testSize));

        ArchitectureSearchOptions options = _search.Apply(parse);
        options.ValidationData = valid;
        options.RecurrentCellSpace = _model.CellShape(options.RecurrentCellSpace, parse);
        options.LanguageModelTraining = _model.Training(options.LanguageModelTraining, parse);
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
        // The network as one ONNX time step with its vocabulary, to score without TorchSharp: src/Examples.OnnxScoring ptb.
        string onnx = Path.Combine(outDir, "model.onnx");
        using (FileStream file = File.Create(onnx))
            model.SaveAsOnnx(file);
        Console.WriteLine($"exported {onnx} ({new FileInfo(onnx).Length:N0} bytes)");
        SearchCommandOptions.WriteResults(model, outDir, "Penn Treebank recurrent-cell search");
        return 0;
    }
}
