using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// A text cut into the segments a language model trains and is scored on, one truncated-BPTT step each, in order. A
/// segment either continues the recurrent state the previous one left or starts from a zero state
/// (<see cref="TextSegment.StartsFresh"/>); targets equal to <see cref="Padding"/> are no tokens (cross-entropy ignores
/// them). Built by <see cref="TextSegments.For"/> from the options' <see cref="LanguageModelTrainingOptions.CarryStateAcrossSentences"/>.
/// </summary>
internal interface ITextSegments : IDisposable
{
    /// <summary>The target of a padded position: libtorch's default ignore index, so the loss and its count skip it.</summary>
    const long Padding = -100;

    /// <summary>Segments in one pass over the text.</summary>
    int SegmentCount { get; }

    /// <summary>Segment <paramref name="index"/> (0 .. SegmentCount-1).</summary>
    TextSegment Segment(int index);
}

/// <summary>Input [length, batch] word ids, flattened targets [length*batch] (row t*batch+b), and whether the state starts at zero.</summary>
internal readonly record struct TextSegment(Tensor Input, Tensor Target, bool StartsFresh)
{
    /// <summary>Tokens the segment predicts (padding excluded).</summary>
    public long TokenCount => Target.ne(ITextSegments.Padding).sum().item<long>();
}

/// <summary>Chooses how a token stream is cut: parallel streams with the state carried, or batches of sentences each from zero.</summary>
internal static class TextSegments
{
    /// <param name="tokens">The text: sentences, each followed by the end-of-sentence id.</param>
    /// <param name="options">Segment length, and whether the state is carried across sentences.</param>
    /// <param name="batchSize">Parallel streams or sentences per batch.</param>
    /// <param name="endOfSentenceId">The end-of-sentence word, where sentences end and what each starts with.</param>
    /// <param name="device">Where the batches are kept.</param>
    /// <param name="streamName">What the tokens are, for errors: "training", "validation".</param>
    /// <param name="batchSizeOption">The user's option that sets <paramref name="batchSize"/>, named in errors.</param>
    public static ITextSegments For(int[] tokens, LanguageModelTrainingOptions options, int batchSize, int endOfSentenceId, Device device, string streamName, string batchSizeOption) =>
        options.CarryStateAcrossSentences
            ? new StreamSegments(new TokenBatches(tokens, batchSize, device, streamName, batchSizeOption), options.Bptt)
            : new SentenceBatches(tokens, batchSize, options.Bptt, endOfSentenceId, device);

    /// <summary>PyTorch's word_language_model cut: segment i reads columns [i*bptt, (i+1)*bptt) of the parallel streams; only the first starts from zero.</summary>
    private sealed class StreamSegments : ITextSegments
    {
        private readonly TokenBatches _batches;
        private readonly int _bptt;

        public StreamSegments(TokenBatches batches, int bptt)
        {
            _batches = batches;
            _bptt = bptt;
        }

        public int SegmentCount => _batches.SegmentCount(_bptt);

        public TextSegment Segment(int index)
        {
            var (input, target) = _batches.Segment((long)index * _bptt, _bptt);
            return new TextSegment(input, target, index == 0);
        }

        public void Dispose() => _batches.Dispose();
    }
}
