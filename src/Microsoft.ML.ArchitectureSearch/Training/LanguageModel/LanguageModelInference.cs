using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>Scoring one token sequence with a trained <see cref="WordLanguageModel"/> (what the estimator needs per row).</summary>
internal static class LanguageModelInference
{
    /// <summary>
    /// Perplexity of tokens[1..] given the tokens before each, starting from a zero state:
    /// exp(mean of -log p(token_i | token_0..i-1)). Needs at least 2 tokens.
    /// </summary>
    public static double Perplexity(WordLanguageModel model, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count < 2)
            throw new ArgumentException($"Perplexity needs at least 2 tokens (one to condition on, one to predict), got {tokens.Count}.", nameof(tokens));
        CheckIds(model, tokens);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var logits = Run(model, tokens.Take(tokens.Count - 1).ToArray());
        var target = tensor(tokens.Skip(1).Select(t => (long)t).ToArray(), device: model.Device);
        double meanLoss = nn.functional.cross_entropy(logits, target).item<float>();
        return Math.Exp(meanLoss);
    }

    /// <summary>The <paramref name="count"/> most likely next words after <paramref name="context"/>, most likely first, with their probabilities.</summary>
    public static IReadOnlyList<(int Token, float Probability)> NextWords(WordLanguageModel model, IReadOnlyList<int> context, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Count < 1)
            throw new ArgumentException("Next-word prediction needs at least one context token.", nameof(context));
        if (count < 1 || count > model.VocabularySize)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Ask for 1..{model.VocabularySize} words.");
        CheckIds(model, context);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var logits = Run(model, context.ToArray());
        var probabilities = nn.functional.softmax(logits[-1], 0);
        var (values, indices) = probabilities.topk(count);
        var p = values.cpu().data<float>().ToArray();
        var ids = indices.cpu().data<long>().ToArray();
        return Enumerable.Range(0, count).Select(i => ((int)ids[i], p[i])).ToArray();
    }

    /// <summary>The single most likely next word.</summary>
    public static int NextWord(WordLanguageModel model, IReadOnlyList<int> context) => NextWords(model, context, 1)[0].Token;

    private static Tensor Run(WordLanguageModel model, int[] input)
    {
        var tokens = tensor(input.Select(t => (long)t).ToArray(), new long[] { input.Length, 1 }, device: model.Device);
        var (h, c) = model.InitialState(1);
        var (logits, _, _) = model.forward(tokens, h, c);
        return logits;
    }

    private static void CheckIds(WordLanguageModel model, IReadOnlyList<int> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if ((uint)tokens[i] >= (uint)model.VocabularySize)
                throw new ArgumentException($"Token id {tokens[i]} at position {i} is outside the vocabulary 0..{model.VocabularySize - 1}.", nameof(tokens));
        }
    }
}
