using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Adapts a <see cref="WordLanguageModel"/> (time-major, explicit recurrent state) to the transformer's scoring contract:
/// [N, T] word ids to [N, T, V] logits, each sentence starting from a zero state. The wrapped model is a registered
/// submodule, so its weights save and load through this module. <see cref="Score"/> reads one sentence of any length in
/// chunks, carrying the recurrent state across them, so its memory does not grow with the sentence.
/// </summary>
internal sealed class LanguageModelScoringNetwork : nn.Module<Tensor, Tensor>
{
    private readonly WordLanguageModel model;

    public LanguageModelScoringNetwork(WordLanguageModel model) : base(nameof(LanguageModelScoringNetwork))
    {
        this.model = model;
        RegisterComponents();
    }

    public WordLanguageModel Model => model;

    public override Tensor forward(Tensor tokens)
    {
        long n = tokens.shape[0], t = tokens.shape[1];
        using var scope = NewDisposeScope();
        (Tensor h, Tensor c) = model.InitialState(n);
        (Tensor logits, _, _) = model.forward(tokens.t().contiguous(), h, c);
        return logits.view(t, n, -1).transpose(0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores one row as the transformer does (docs/language-model-scoring.md): from a zero state, <paramref name="endOfSentenceId"/>
    /// first and then every target but the last, so each of <paramref name="targets"/> (the sentence's words and its
    /// closing end-of-sentence word) is predicted from the words before it. Returns what <see cref="Score"/> returns.
    /// </summary>
    public (double NegativeLogLikelihood, int NextWord) ScoreSentence(int[] targets, int endOfSentenceId, int chunkLength)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var inputs = new long[targets.Length];
        if (inputs.Length > 0)
            inputs[0] = endOfSentenceId;
        for (int t = 1; t < targets.Length; t++)
            inputs[t] = targets[t - 1];
        return Score(inputs, targets, chunkLength);
    }

    /// <summary>
    /// Reads <paramref name="inputs"/> from a zero state, <paramref name="chunkLength"/> tokens at a time with the state
    /// carried over (the same arithmetic as one pass: the recurrence is step by step either way), and returns the summed
    /// negative log-likelihood of <paramref name="targets"/> (one per input) and the most probable word after the last
    /// input. Holds about chunkLength x vocabulary floats at a time instead of length x vocabulary.
    /// </summary>
    public (double NegativeLogLikelihood, int NextWord) Score(long[] inputs, int[] targets, int chunkLength)
    {
        if (inputs.Length == 0 || inputs.Length != targets.Length)
            throw new ArgumentException($"Scoring needs one target per input and at least one input; got {inputs.Length} inputs, {targets.Length} targets.");
        if (chunkLength < 1)
            throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, "The chunk length must be positive.");
        (Tensor h, Tensor c) = model.InitialState(1);
        double negativeLogLikelihood = 0;
        int next = 0;
        try
        {
            for (int start = 0; start < inputs.Length; start += chunkLength)
            {
                int length = Math.Min(chunkLength, inputs.Length - start);
                using var scope = NewDisposeScope();
                Tensor tokens = tensor(inputs.AsSpan(start, length).ToArray(), new long[] { length, 1 }, device: model.Device);
                Tensor logProbabilities = model.ForwardCarryingState(tokens, ref h, ref c).log_softmax(-1);
                long[] chunkTargets = targets.AsSpan(start, length).ToArray().Select(t => (long)t).ToArray();
                Tensor targetIds = tensor(chunkTargets, new long[] { length, 1 }, device: model.Device);
                negativeLogLikelihood -= logProbabilities.gather(1, targetIds).to_type(ScalarType.Float64).sum().item<double>();
                if (start + length == inputs.Length)
                    next = (int)logProbabilities[length - 1].argmax().item<long>();
            }
        }
        finally
        {
            h.Dispose();
            c.Dispose();
        }
        return (negativeLogLikelihood, next);
    }
}
