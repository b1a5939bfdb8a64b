using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>
/// Training and validation read each sentence as the transformer scores a row (docs/language-model-scoring.md): the
/// batches hold exactly those inputs and targets, and the trainer's per-sentence perplexity is the row scoring's.
/// </summary>
public sealed class SentenceBatchesTests
{
    private const int Eos = 1;

    private static long[] Values(Tensor t) => t.contiguous().data<long>().ToArray();

    [Fact]
    public void EachSentenceStartsWithEosReadsItsWordsAndPredictsThemAndItsEosWithPaddingIgnored()
    {
        // Sentences [5 6 <eos>], [7 <eos>], and a last one without its <eos>: [8 9 4 3].
        int[] tokens = { 5, 6, Eos, 7, Eos, 8, 9, 4, 3 };
        using var batches = new SentenceBatches(tokens, batchSize: 2, bptt: 3, Eos, CPU);

        // Sorted by length within the window: [7 <eos>] and [5 6 <eos>] form the first batch, [8 9 4 3] the second.
        Assert.Equal(3, batches.SegmentCount);
        TextSegment first = batches.Segment(0);
        Assert.True(first.StartsFresh);
        Assert.Equal(new long[] { 3, 2 }, first.Input.shape);
        // Row t*batch + b: step t of sentence b.
        Assert.Equal(new long[] { Eos, Eos, 7, 5, Eos, 6 }, Values(first.Input));
        Assert.Equal(new long[] { 7, 5, Eos, 6, ITextSegments.Padding, Eos }, Values(first.Target));
        Assert.Equal(5, first.TokenCount);

        // The 4-token sentence is longer than bptt: two segments, the second continuing the state.
        TextSegment second = batches.Segment(1), third = batches.Segment(2);
        Assert.True(second.StartsFresh);
        Assert.False(third.StartsFresh);
        Assert.Equal(new long[] { Eos, 8, 9 }, Values(second.Input));
        Assert.Equal(new long[] { 8, 9, 4 }, Values(second.Target));
        Assert.Equal(new long[] { 4 }, Values(third.Input));
        Assert.Equal(new long[] { 3 }, Values(third.Target));
    }

    [Fact]
    public void PerSentenceValidationPerplexityEqualsTheTransformersRowScoringWithin1e5Relative()
    {
        var random = new Random(5);
        WordLanguageModel model = WordLanguageModel.CreateLstm(new RecurrentCellSearchSpaceOptions { EmbeddingSize = 16, HiddenSize = 16, Layers = 2, VocabularySize = 40 });
        using (var generator = new Generator(3))
            model.ResetParameters(generator);
        // Larger weights than an initialisation's, so that the predictions depend on the context (near-uniform ones would not).
        using (no_grad())
            foreach (var p in model.parameters()) p.mul_(10);
        // 30 sentences of 0..12 words (ids 2..39), each followed by <eos>.
        int[][] sentences = Enumerable.Range(0, 30)
            .Select(_ => Enumerable.Range(0, random.Next(13)).Select(_ => random.Next(2, 40)).Append(Eos).ToArray()).ToArray();
        int[] stream = sentences.SelectMany(s => s).ToArray();
        var trainer = new LanguageModelTrainer(new LanguageModelCorpus(stream, stream, null, 40, Eos),
            new LanguageModelTrainingOptions { EvaluationBatchSize = 4, Bptt = 5, Device = "cpu" });

        double validation = trainer.Evaluate(model, stream, "validation");

        using var scoring = new LanguageModelScoringNetwork(model);
        scoring.eval();
        double negativeLogLikelihood = sentences.Sum(targets => scoring.ScoreSentence(targets, Eos, LanguageModelHead.ScoringChunkLength).NegativeLogLikelihood);
        double rows = Math.Exp(negativeLogLikelihood / stream.Length);
        Assert.True(Math.Abs(validation - rows) <= 1e-5 * rows, $"trainer {validation} vs row scoring {rows}");
        // The carried-state stream reads other contexts, so it differs: the test would notice the two modes swapped.
        double carried = trainer.Evaluate(model, stream, "validation", trainer.Options with { CarryStateAcrossSentences = true });
        Assert.True(Math.Abs(carried - rows) > 1e-3 * rows, $"stream {carried} vs rows {rows}");
    }
}
