using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.LanguageModel;

/// <summary>
/// A token stream cut into <see cref="BatchSize"/> equal parallel streams, stored batch-major as an int64 tensor
/// [batch, length] (the tail that does not fill a row is dropped, as in the PyTorch recipe). Segment i of a BPTT pass
/// reads columns [start, start+len) as input and [start+1, start+1+len) as targets.
/// </summary>
internal sealed class TokenBatches : IDisposable
{
    /// <param name="tokens">The token stream, in order.</param>
    /// <param name="batchSize">Parallel streams to cut it into.</param>
    /// <param name="device">Where the batches are kept.</param>
    /// <param name="streamName">What the tokens are, for errors: "training", "validation".</param>
    /// <param name="batchSizeOption">The user's option that sets <paramref name="batchSize"/>, named in errors.</param>
    public TokenBatches(int[] tokens, int batchSize, Device device, string streamName, string batchSizeOption)
    {
        long length = tokens.Length / batchSize;
        if (length < 2)
            throw new ArgumentException(
                $"The {streamName} text has {tokens.Length} tokens (words and end-of-sentence markers), too few to cut into " +
                $"{batchSize} parallel streams of at least 2 tokens ({batchSizeOption} {batchSize}). " +
                $"Give at least {2L * batchSize} tokens of {streamName} text, or a smaller {batchSizeOption}.");
        BatchSize = batchSize;
        Length = length;
        var used = new long[batchSize * length];
        for (int i = 0; i < used.Length; i++)
            used[i] = tokens[i];
        Data = tensor(used, new[] { (long)batchSize, length }, device: device);
    }

    public int BatchSize { get; }

    /// <summary>Tokens per parallel stream.</summary>
    public long Length { get; }

    public Tensor Data { get; }

    /// <summary>Number of segments one full pass over the streams takes.</summary>
    public int SegmentCount(int bptt) => (int)((Length - 1 + bptt - 1) / bptt);

    /// <summary>Input [len, batch] and flattened targets [len*batch] (row t*batch+b) of the segment starting at column <paramref name="start"/>.</summary>
    public (Tensor Input, Tensor Target) Segment(long start, int bptt)
    {
        long len = Math.Min(bptt, Length - 1 - start);
        var input = Data.narrow(1, start, len).t();
        var target = Data.narrow(1, start + 1, len).t().reshape(-1);
        return (input, target);
    }

    public void Dispose() => Data.Dispose();
}
