using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell.References;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Where the defaults' language model loses against word counts when scored sentence by sentence: the space's LSTM
/// reference cell (default size) trained with the default options twice, with the state carried across sentences
/// (PyTorch's recipe) and with every sentence from a zero state, each scored on the test sentences four ways: as one
/// carried stream (evaluation batch), per sentence from a zero state with &lt;eos&gt; first (the transformer's
/// Perplexity, through <see cref="LanguageModelScoringNetwork.ScoreSentence"/>), per sentence from the state after reading
/// &lt;eos&gt; from zero (then &lt;eos&gt; again, the sentence's own start), and per sentence from the state the
/// previous test sentences left (what a sentence sees mid-stream, batch 1). Plus the add-one unigram model.
/// </summary>
internal sealed class LanguageModelSentenceStateCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("ptb");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("sentences", 2_000);
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("sentences", 300);
    private readonly Option<int?> _testSize = CommonOptions.OptionalCount("--test-size", "Test sentences scored.", 300);
    private readonly Option<int> _epochs = CommonOptions.Count("--epochs", "Training epochs.", 2);
    private readonly Option<int> _seed = CommonOptions.Seed();

    public LanguageModelSentenceStateCommand()
        : base("lm-sentence-state", "The default LSTM reference trained with and without the state carried across sentences; stream vs per-sentence test perplexities.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _testSize, _epochs, _seed })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        PennTreebankFiles files = PennTreebank.Locate(_dataDir.Resolve(parse));
        string[] trainSentences = PennTreebank.ReadSentences(files.Train, parse.GetValue(_trainSize));
        string[] validSentences = PennTreebank.ReadSentences(files.Valid, parse.GetValue(_validSize));
        string[] testSentences = PennTreebank.ReadSentences(files.Test, parse.GetValue(_testSize));
        var vocabulary = Vocabulary.Build(trainSentences);
        int[] train = vocabulary.EncodeStream(trainSentences, out _);
        int[] valid = vocabulary.EncodeStream(validSentences, out _);
        int[] test = vocabulary.EncodeStream(testSentences, out _);
        int[][] testRows = testSentences.Select(s => vocabulary.Encode(s, out _)).ToArray();
        int eos = vocabulary.EndOfSentenceId;
        Console.WriteLine($"train_sentences={trainSentences.Length} train_tokens={train.Length} test_sentences={testSentences.Length} test_tokens={test.Length} " +
                          $"vocabulary={vocabulary.Count} OMP_NUM_THREADS={Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "unset"}");
        Console.WriteLine($"RESULT training=none scoring=unigram-add-one test_ppl={Unigram(train, test, vocabulary.Count):0.00}");

        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { VocabularySize = vocabulary.Count });
        RecurrentCellArchitecture lstm = RecurrentCellReferences.Lstm(space)!;
        foreach (bool carry in new[] { true, false })
        {
            var options = new LanguageModelTrainingOptions { Device = "cpu", CarryStateAcrossSentences = carry };
            var trainer = new LanguageModelChildTrainer(train, valid, test, vocabulary.Count, eos, options);
            var clock = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            using TrainedChild child = trainer.Train(lstm, new ChildTrainingSettings { Epochs = parse.GetValue(_epochs), Seed = parse.GetValue(_seed) });
            var model = (WordLanguageModel)(child.Network ?? throw new InvalidOperationException($"Training failed: {child.Result.FailureReason}"));
            string training = carry ? "stream" : "sentence";
            Console.WriteLine($"training={training}: {clock.Elapsed.TotalSeconds:0} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0} s CPU, " +
                              $"validation perplexity per epoch {string.Join(", ", child.Result.ValidationMetricPerEpoch.Select(v => v.ToString("0.0")))}");
            double stream = trainer.Trainer.Evaluate(model, test, "test", options with { CarryStateAcrossSentences = true });
            Console.WriteLine($"RESULT training={training} scoring=stream-batch-{options.EvaluationBatchSize} test_ppl={stream:0.00}");
            var scorer = new LanguageModelScoringNetwork(model);
            Console.WriteLine($"RESULT training={training} scoring=sentence-zero-state-eos-first test_ppl={PerSentence(testRows, row => scorer.ScoreSentence(row, eos, LanguageModelHead.ScoringChunkLength).NegativeLogLikelihood):0.00}");
            Console.WriteLine($"RESULT training={training} scoring=sentence-after-eos-from-zero test_ppl={PerSentence(testRows, row => Primed(model, row, eos)):0.00}");
            Console.WriteLine($"RESULT training={training} scoring=sentence-after-previous-sentences test_ppl={Sequential(model, testRows, eos):0.00}");
            Console.WriteLine($"RESULT training={training} scoring=trainer-per-sentence-batches test_ppl={trainer.Trainer.Evaluate(model, test, "test", options with { CarryStateAcrossSentences = false }):0.00}");
        }
        return 0;
    }

    /// <summary>The transformer's inputs for a row: &lt;eos&gt; then every target but the last.</summary>
    private static long[] Inputs(int[] targets, int eos) => targets.Take(targets.Length - 1).Prepend(eos).Select(t => (long)t).ToArray();

    private static double PerSentence(int[][] rows, Func<int[], double> negativeLogLikelihood) =>
        Math.Exp(rows.Sum(negativeLogLikelihood) / rows.Sum(r => r.Length));

    /// <summary>Negative log-likelihood of the row's targets read after &lt;eos&gt; &lt;eos&gt; from zero (the first &lt;eos&gt; only sets the state).</summary>
    private static double Primed(WordLanguageModel model, int[] row, int eos)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        (Tensor h, Tensor c) = model.InitialState(1);
        model.ForwardCarryingState(tensor(new long[] { eos }, new long[] { 1, 1 }), ref h, ref c);
        return NegativeLogLikelihood(model, row, eos, ref h, ref c);
    }

    /// <summary>Every test sentence in order, one stream of batch 1: each sentence sees the state the ones before it left.</summary>
    private static double Sequential(WordLanguageModel model, int[][] rows, int eos)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        (Tensor h, Tensor c) = model.InitialState(1);
        double total = 0;
        foreach (int[] row in rows)
            total += NegativeLogLikelihood(model, row, eos, ref h, ref c);
        return Math.Exp(total / rows.Sum(r => r.Length));
    }

    private static double NegativeLogLikelihood(WordLanguageModel model, int[] row, int eos, ref Tensor h, ref Tensor c)
    {
        model.eval();
        Tensor input = tensor(Inputs(row, eos), new long[] { row.Length, 1 });
        Tensor logProbabilities = model.ForwardCarryingState(input, ref h, ref c).log_softmax(-1);
        Tensor target = tensor(row.Select(t => (long)t).ToArray(), new long[] { row.Length, 1 });
        return -logProbabilities.gather(1, target).to_type(ScalarType.Float64).sum().item<double>();
    }

    /// <summary>Add-one unigram over the training vocabulary (ids), as the lm-defaults command counts it.</summary>
    private static double Unigram(int[] train, int[] test, int vocabularySize)
    {
        var counts = new long[vocabularySize];
        foreach (int id in train) counts[id]++;
        double total = train.Length + (double)vocabularySize;
        return Math.Exp(-test.Average(id => Math.Log((counts[id] + 1) / total)));
    }
}
