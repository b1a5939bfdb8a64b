using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Execution;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Issue 14's new-user case, through the public API only: a language-model search with default options and a small
/// budget on the first sentences of ptb.train, saved, loaded and scored sentence by sentence with a PredictionEngine on
/// the first sentences of ptb.test; its token-weighted perplexity against an add-one unigram model counted on the same
/// training sentences and against the space's LSTM reference cell trained alone (FixedArchitecture) with the same
/// final budget, pipeline and seed.
/// </summary>
internal sealed class LanguageModelDefaultsCommand : System.CommandLine.Command
{
    private sealed class SentenceScore
    {
        public float Perplexity { get; set; }
    }

    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("ptb");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("sentences", 10_000);
    private readonly Option<int?> _testSize = CommonOptions.OptionalCount("--test-size", "Test sentences scored.", 300);
    private readonly Option<int> _trials = CommonOptions.Trials(2);
    private readonly Option<int> _trialEpochs = CommonOptions.TrialEpochs(1);
    private readonly Option<int> _finalEpochs = CommonOptions.Count("--final-epochs", "Epochs of the final training (the search's winner and the LSTM alike).", 2);
    private readonly Option<int> _seed = CommonOptions.Count("--seed", "MLContext seed.", 7, int.MinValue);
    private readonly Option<string> _out = CommonOptions.Output("lm-defaults");

    public LanguageModelDefaultsCommand()
        : base("lm-defaults", "The defaults' language model (Reinforce, small budget) vs an add-one unigram model and the LSTM reference with the same final budget; per-sentence perplexity on PTB test.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _testSize, _trials, _trialEpochs, _finalEpochs, _seed, _out })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        PennTreebankFiles files = PennTreebank.Locate(_dataDir.Resolve(parse));
        string outDir = Path.GetFullPath(parse.GetValue(_out)!);
        Directory.CreateDirectory(outDir);
        int seed = parse.GetValue(_seed);
        string[] trainSentences = PennTreebank.ReadSentences(files.Train, parse.GetValue(_trainSize));
        string[] testSentences = PennTreebank.ReadSentences(files.Test, parse.GetValue(_testSize));
        Print($"train_sentences={trainSentences.Length} test_sentences={testSentences.Length} test_tokens={testSentences.Sum(TokenCount)} seed={seed} " +
              $"OMP_NUM_THREADS={Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "unset"}");

        double unigram = UnigramPerplexity(trainSentences, testSentences);
        Print($"RESULT model=unigram-add-one test_ppl={unigram:0.00}");

        var searchOptions = new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling,
            FeatureColumnName = nameof(SentenceRow.Text),
            Strategy = SearchStrategy.Reinforce,
            MaxTrials = parse.GetValue(_trials),
            TrialEpochs = parse.GetValue(_trialEpochs),
            FinalEpochs = parse.GetValue(_finalEpochs),
        };
        ArchitectureSearchTransformer searched = FitAndPrint("search", searchOptions, trainSentences, seed, outDir);
        Print($"RESULT model=search test_ppl={ScoreSavedModel(searched, trainSentences, testSentences, seed, outDir, "search"):0.00} " +
              $"parameters={searched.Architecture.ParameterCount} architecture=\"{searched.Architecture.Description}\"");

        TrialRecord lstm = searched.Trials.FirstOrDefault(t => t.Reference == "LSTM")
            ?? throw new InvalidOperationException("The search did not train the LSTM reference, so its JSON is not at hand.");
        var lstmOptions = new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.LanguageModeling,
            FeatureColumnName = nameof(SentenceRow.Text),
            FixedArchitecture = lstm.ArchitectureJson,
            FinalEpochs = parse.GetValue(_finalEpochs),
        };
        ArchitectureSearchTransformer reference = FitAndPrint("lstm", lstmOptions, trainSentences, seed, outDir);
        Print($"RESULT model=lstm-reference test_ppl={ScoreSavedModel(reference, trainSentences, testSentences, seed, outDir, "lstm"):0.00} " +
              $"parameters={reference.Architecture.ParameterCount}");
        return 0;
    }

    private static ArchitectureSearchTransformer FitAndPrint(string name, ArchitectureSearchOptions options, string[] train, int seed, string outDir)
    {
        var ml = new MLContext(seed: seed);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var model = ml.Transforms.ArchitectureSearch(options).Fit(Rows(ml, train));
        Print($"{name}: fit {clock.Elapsed.TotalSeconds:0} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0} s CPU");
        foreach (TrialRecord t in model.Trials)
            Print($"  trial {t.Index} {(t.Reference is null ? t.Kind.ToString() : "reference " + t.Reference)}: " +
                  (t.Result.Failed ? $"failed ({t.Result.FailureReason})" :
                      $"validation perplexity per epoch {string.Join(", ", t.Result.ValidationMetricPerEpoch.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}, reward {t.Reward:0.0000}") +
                  $" | {t.Description}");
        return model;
    }

    /// <summary>Saves the model, loads it in a fresh MLContext and scores every test sentence with a PredictionEngine; token-weighted perplexity.</summary>
    private static double ScoreSavedModel(ITransformer model, string[] train, string[] test, int seed, string outDir, string name)
    {
        var ml = new MLContext(seed: seed);
        string zip = Path.Combine(outDir, $"{name}.zip");
        ml.Model.Save(model, Rows(ml, train).Schema, zip);
        var reload = new MLContext();
        ITransformer loaded = reload.Model.Load(zip, out _);
        using var engine = reload.Model.CreatePredictionEngine<SentenceRow, SentenceScore>(loaded);
        double negativeLogLikelihood = 0;
        long tokens = 0;
        foreach (string sentence in test)
        {
            int count = TokenCount(sentence);
            negativeLogLikelihood += Math.Log(engine.Predict(new SentenceRow { Text = sentence }).Perplexity) * count;
            tokens += count;
        }
        return Math.Exp(negativeLogLikelihood / tokens);
    }

    /// <summary>
    /// Add-one unigram over the training vocabulary plus &lt;eos&gt;; a test word the training sentences lack reads as
    /// &lt;unk&gt;, as the language model reads it.
    /// </summary>
    private static double UnigramPerplexity(string[] train, string[] test)
    {
        var counts = new Dictionary<string, long>();
        long total = 0;
        foreach (string word in train.SelectMany(Words))
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
            total++;
        }
        counts.TryAdd("<unk>", 0);
        double negativeLogLikelihood = 0;
        long tokens = 0;
        foreach (string word in test.SelectMany(Words))
        {
            long count = counts.TryGetValue(word, out long c) ? c : counts["<unk>"];
            negativeLogLikelihood -= Math.Log((count + 1.0) / (total + counts.Count));
            tokens++;
        }
        return Math.Exp(negativeLogLikelihood / tokens);
    }

    private static IEnumerable<string> Words(string sentence) =>
        sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("<eos>");

    private static int TokenCount(string sentence) => Words(sentence).Count();

    private static IDataView Rows(MLContext ml, string[] sentences) =>
        ml.Data.LoadFromEnumerable(sentences.Select(s => new SentenceRow { Text = s }));

    private static void Print(string line) => Console.WriteLine(line);
}
