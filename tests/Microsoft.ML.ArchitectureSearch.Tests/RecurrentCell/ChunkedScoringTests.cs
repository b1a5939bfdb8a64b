using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tests.RecurrentCell;

/// <summary>
/// Sentences are scored in chunks with the recurrent state carried across: the same perplexities as one pass over the
/// whole sentence, in memory that does not grow with its length (the probe: one 200,000-word row took 15 GB).
/// </summary>
// Alone: the memory test reads the process's working set, which concurrently training tests grow (it failed at
// 250-476 MB in full and filtered runs, and passed alone).
[Collection(RunsAloneCollection.Name)]
public sealed class ChunkedScoringTests
{
    private static LanguageModelScoringNetwork Network(int vocabulary)
    {
        var space = new RecurrentCellSearchSpace(new RecurrentCellSearchSpaceOptions { Leaves = 4, EmbeddingSize = 32, HiddenSize = 32, Layers = 2, VocabularySize = vocabulary });
        var random = new Random(7);
        int[] tokens;
        do tokens = space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
        while (tokens[^1] == tokens[^2]); // the memory leaves the tree at another node than it enters
        var model = WordLanguageModel.CreateSearched((RecurrentCellArchitecture)space.Decode(tokens));
        using (var generator = new Generator(11))
            model.ResetParameters(generator);
        var network = new LanguageModelScoringNetwork(model);
        network.eval();
        return network;
    }

    /// <summary>The unchunked reference: one forward over the whole sentence, the mean of its tokens' negative log-likelihoods.</summary>
    private static double OnePassPerplexity(LanguageModelScoringNetwork network, long[] inputs, int[] targets)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logProbabilities = network.forward(tensor(inputs, new long[] { 1, inputs.Length }))[0].log_softmax(-1);
        Tensor ids = tensor(targets.Select(t => (long)t).ToArray()).unsqueeze(1);
        return Math.Exp(-logProbabilities.gather(1, ids).to_type(ScalarType.Float64).mean().item<double>());
    }

    [Fact]
    public void ChunkedPerplexityEqualsTheOnePassPerplexityWithin1e4RelativeAndPredictsTheSameNextWord()
    {
        using LanguageModelScoringNetwork network = Network(vocabulary: 300);
        var random = new Random(3);
        foreach (int length in new[] { 1, 2, 6, 7, 8, 23, 64, 150 })
        {
            long[] inputs = Enumerable.Range(0, length).Select(_ => (long)random.Next(300)).ToArray();
            int[] targets = inputs.Skip(1).Select(t => (int)t).Append(random.Next(300)).ToArray();
            double reference = OnePassPerplexity(network, inputs, targets);
            (double whole, int wholeNext) = Score(network, inputs, targets, chunkLength: 1000);
            foreach (int chunk in new[] { 1, 7, 32 })
            {
                (double nll, int next) = Score(network, inputs, targets, chunk);
                double perplexity = Math.Exp(nll / length);
                Assert.True(Math.Abs(perplexity - reference) <= 1e-4 * reference, $"length {length}, chunk {chunk}: {perplexity} vs {reference}");
                Assert.Equal(wholeNext, next);
            }
            Assert.True(Math.Abs(Math.Exp(whole / length) - reference) <= 1e-4 * reference);
        }
    }

    [Fact]
    public void ScoringAn8000WordSentenceHoldsChunkSizedMemoryNotSentenceTimesVocabulary()
    {
        const int vocabulary = 25_000, length = 8_000;
        using LanguageModelScoringNetwork network = Network(vocabulary);
        var random = new Random(5);
        long[] inputs = Enumerable.Range(0, length).Select(_ => (long)random.Next(vocabulary)).ToArray();
        int[] targets = inputs.Skip(1).Select(t => (int)t).Append(0).ToArray();

        long baseline = Environment.WorkingSet, peak = baseline;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(5))
                peak = Math.Max(peak, Environment.WorkingSet);
        });
        sampler.Start();
        (double nll, _) = Score(network, inputs, targets, LanguageModelHead.ScoringChunkLength);
        done.Set();
        sampler.Join();

        Assert.True(double.IsFinite(nll) && nll > 0);
        // One pass would hold the [8,000 x 25,000] logits and their log-softmax: 800 MB each.
        long grown = peak - baseline;
        Assert.True(grown < 200L << 20, $"working set grew {grown >> 20} MB while scoring");
    }

    private static (double, int) Score(LanguageModelScoringNetwork network, long[] inputs, int[] targets, int chunkLength)
    {
        using var noGrad = no_grad();
        return network.Score(inputs, targets, chunkLength);
    }
}
