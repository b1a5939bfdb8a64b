using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// A token stream read as its sentences, each on its own: a sentence's inputs are the end-of-sentence word and its
/// words, its targets its words and the closing end-of-sentence word, read from a zero state. That is how the
/// transformer (and the ONNX driver) score a row, so a model trained and validated on these batches is trained for the
/// situation it is used in (docs/language-model-scoring.md). Sentences are grouped <c>batchSize</c> at a time,
/// padded to the longest of the group (targets <see cref="ITextSegments.Padding"/>); a group is cut into segments of at
/// most <c>bptt</c> steps, the state carried between the segments of one group only. To waste little on padding,
/// each run of 16 groups' sentences (in corpus order) is sorted by length before it is grouped.
/// </summary>
internal sealed class SentenceBatches : ITextSegments
{
    /// <summary>Groups whose sentences are sorted by length together.</summary>
    private const int GroupsPerWindow = 16;

    private readonly List<(Tensor Input, Tensor Target)> _groups = new();
    private readonly List<(int Group, int Start, bool First)> _segments = new();
    private readonly int _bptt;

    /// <param name="tokens">Sentences, each followed by <paramref name="endOfSentenceId"/>; a last one without it is read as it is.</param>
    /// <param name="batchSize">Sentences per group.</param>
    /// <param name="bptt">Longest segment.</param>
    /// <param name="endOfSentenceId">The end-of-sentence word.</param>
    /// <param name="device">Where the batches are kept.</param>
    public SentenceBatches(int[] tokens, int batchSize, int bptt, int endOfSentenceId, Device device)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Sentences per batch must be positive.");
        if (bptt < 1) throw new ArgumentOutOfRangeException(nameof(bptt), bptt, "The segment length must be positive.");
        _bptt = bptt;
        List<(int Start, int Length)> sentences = Sentences(tokens, endOfSentenceId);
        if (sentences.Count == 0)
            throw new ArgumentException("The text has no tokens, so no sentence to train or score on.", nameof(tokens));
        int window = batchSize * GroupsPerWindow;
        for (int w = 0; w < sentences.Count; w += window)
        {
            var sorted = sentences.Skip(w).Take(window).OrderBy(s => s.Length).ToArray(); // stable: ties keep corpus order
            for (int g = 0; g < sorted.Length; g += batchSize)
                AddGroup(tokens, sorted.AsSpan(g, Math.Min(batchSize, sorted.Length - g)), endOfSentenceId, device);
        }
    }

    public int SegmentCount => _segments.Count;

    public TextSegment Segment(int index)
    {
        var (group, start, first) = _segments[index];
        var (input, target) = _groups[group];
        long batch = input.shape[1];
        long length = Math.Min(_bptt, input.shape[0] - start);
        return new TextSegment(input.narrow(0, start, length), target.narrow(0, start * batch, length * batch), first);
    }

    public void Dispose()
    {
        foreach (var (input, target) in _groups)
        {
            input.Dispose();
            target.Dispose();
        }
    }

    /// <summary>Each sentence's first token and length, the closing end-of-sentence word included.</summary>
    private static List<(int Start, int Length)> Sentences(int[] tokens, int endOfSentenceId)
    {
        var sentences = new List<(int, int)>();
        int start = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] == endOfSentenceId)
            {
                sentences.Add((start, i + 1 - start));
                start = i + 1;
            }
        }
        if (start < tokens.Length)
            sentences.Add((start, tokens.Length - start));
        return sentences;
    }

    private void AddGroup(int[] tokens, ReadOnlySpan<(int Start, int Length)> group, int endOfSentenceId, Device device)
    {
        int steps = 0;
        foreach (var s in group) steps = Math.Max(steps, s.Length);
        int batch = group.Length;
        var input = new long[steps * batch];
        var target = new long[steps * batch];
        Array.Fill(input, endOfSentenceId); // padding inputs: any word; their outputs are never scored
        Array.Fill(target, ITextSegments.Padding);
        for (int b = 0; b < batch; b++)
        {
            var (start, length) = group[b];
            input[b] = endOfSentenceId; // a sentence starts after an end of sentence, as the transformer scores it
            for (int t = 0; t < length; t++)
            {
                if (t > 0) input[t * batch + b] = tokens[start + t - 1];
                target[t * batch + b] = tokens[start + t];
            }
        }
        int index = _groups.Count;
        _groups.Add((tensor(input, new long[] { steps, batch }, device: device), tensor(target, new long[] { steps * batch }, device: device)));
        for (int start = 0; start < steps; start += _bptt)
            _segments.Add((index, start, start == 0));
    }
}
