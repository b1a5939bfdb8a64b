using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using Xunit.Abstractions;

namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>
/// Issue 14: the language model the default training options produce is worth having: scored sentence by sentence as
/// the transformer scores a row, on held-out text, it is well below the unigram model of its training text.
/// </summary>
public sealed class LanguageModelDefaultsTests
{
    private readonly ITestOutputHelper _output;

    public LanguageModelDefaultsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void AnLstmTrainedWithTheDefaultOptionsBeatsTheUnigramModelByAWideMarginPerSentenceOnHeldOutText()
    {
        string[] trainLines = PipelineTestData.ReadPtb("ptb.train.txt", 3000);
        string[] validLines = PipelineTestData.ReadPtb("ptb.valid.txt", 500);
        string[] heldOut = PipelineTestData.ReadPtb("ptb.test.txt", 500);
        var vocabulary = Vocabulary.Build(trainLines);
        // Every training setting is the default (Adam at 0.003, 10 sentences a batch, each from a zero state); the model
        // is libtorch's LSTM at a test size (128 units, one layer) so that this takes seconds.
        var trainer = new LanguageModelChildTrainer(vocabulary.EncodeStream(trainLines, out _), vocabulary.EncodeStream(validLines, out _), null,
            vocabulary.Count, vocabulary.EndOfSentenceId, new LanguageModelTrainingOptions { Device = "cpu" });
        var shape = new RecurrentCellSearchSpaceOptions { EmbeddingSize = 128, HiddenSize = 128, Layers = 1, VocabularySize = vocabulary.Count };
        using TrainedChild child = trainer.TrainLstmBaseline(shape, new ChildTrainingSettings { Epochs = 2, Seed = 7 });
        Assert.False(child.Result.Failed, child.Result.FailureReason);

        // The transformer's per-row scoring: zero state, <eos> first, the words and the closing <eos> as targets.
        using var scoring = new LanguageModelScoringNetwork((WordLanguageModel)child.Network!);
        double negativeLogLikelihood = 0;
        long tokens = 0;
        foreach (string line in heldOut)
        {
            int[] targets = vocabulary.Encode(line, out _);
            negativeLogLikelihood += scoring.ScoreSentence(targets, vocabulary.EndOfSentenceId, LanguageModelHead.ScoringChunkLength).NegativeLogLikelihood;
            tokens += targets.Length;
        }
        double perplexity = Math.Exp(negativeLogLikelihood / tokens);

        double unigram = PipelineTestData.UnigramPerplexity(trainLines, heldOut);
        _output.WriteLine($"model {perplexity:0.0}, unigram {unigram:0.0}, ratio {perplexity / unigram:0.000}, validation per epoch {string.Join(", ", child.Result.ValidationMetricPerEpoch.Select(v => v.ToString("0.0")))}");
        // Measured: 263.2 against the unigram's 450.0, 0.585x (validation 316.2, 284.3; 2 m 21 s on 2 cores shared with
        // four other sessions, load average 30). Asserted with a margin of 0.115 for other CPUs and thread counts: 0.7x.
        // Trained with the state carried across sentences instead, such a model loses its lead when scored per sentence
        // (BENCHMARKS.md, issue 14).
        Assert.True(perplexity < 0.7 * unigram, $"model perplexity {perplexity:0.0} vs unigram {unigram:0.0}, ratio {perplexity / unigram:0.000}");
    }
}
