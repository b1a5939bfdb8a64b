using Microsoft.ML.OnnxRuntime;

namespace Examples.OnnxScoring;

/// <summary>What <see cref="OnnxLanguageModel.Score"/> returns for one sentence.</summary>
/// <param name="NegativeLogLikelihood">Summed -log p over the sentence's words and its closing &lt;eos&gt;.</param>
/// <param name="Tokens">How many tokens were predicted: the words and &lt;eos&gt;.</param>
/// <param name="NextWord">The most probable word after the sentence's last word (may be &lt;eos&gt;).</param>
internal sealed record SentenceScore(double NegativeLogLikelihood, int Tokens, string NextWord)
{
    /// <summary>exp of the mean negative log-likelihood: the transformer's Perplexity column.</summary>
    public double Perplexity => Math.Exp(NegativeLogLikelihood / Tokens);
}

/// <summary>
/// Scores sentences with a language model that ArchitectureSearchTransformer.SaveAsOnnx wrote, on ONNX Runtime alone.
/// The file holds one time step of the network, (Token [N, 1], H, C [N, layers, hidden]) to (LogProbabilities
/// [N, vocabulary], NextH, NextC), and its vocabulary as metadata; this driver runs the step once per word, exactly as
/// the transformer scores a row: the state starts at zero, the first input is &lt;eos&gt; (as after the previous
/// sentence in Penn Treebank), the words are split on white space and unknown ones read as &lt;unk&gt;, and the targets
/// are the words followed by &lt;eos&gt;. Copy this file to deploy a language model without TorchSharp.
/// </summary>
internal sealed class OnnxLanguageModel : IDisposable
{
    private static readonly string[] InputNames = { "Token", "H", "C" };
    private static readonly string[] OutputNames = { "LogProbabilities", "NextH", "NextC" };

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;
    private readonly int _endOfSentence;
    private readonly int _unknown;
    private readonly long[] _tokenShape;
    private readonly long[] _stateShape;

    /// <summary>Loads the model file at <paramref name="path"/>; <paramref name="options"/> set ONNX Runtime's threads and such.</summary>
    public OnnxLanguageModel(string path, SessionOptions? options = null)
        : this(options is null ? new InferenceSession(path) : new InferenceSession(path, options)) { }

    /// <summary>Loads a model from its bytes.</summary>
    public OnnxLanguageModel(byte[] model) : this(new InferenceSession(model)) { }

    private OnnxLanguageModel(InferenceSession session)
    {
        _session = session;
        Dictionary<string, string> metadata = session.ModelMetadata.CustomMetadataMap;
        if (!metadata.TryGetValue("vocabulary", out string? vocabulary) || !InputNames.All(session.InputMetadata.ContainsKey))
        {
            session.Dispose();
            throw new InvalidDataException("This ONNX model is not a language model written by ArchitectureSearchTransformer.SaveAsOnnx: it lacks the 'vocabulary' metadata or the Token, H and C inputs.");
        }
        _words = vocabulary.Split('\n');
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _words.Length; i++)
            _ids.Add(_words[i], i);
        _endOfSentence = _ids[metadata["end_of_sentence"]];
        _unknown = _ids[metadata["unknown"]];
        // The batch dimension is declared -1; one sentence at a time uses 1.
        _tokenShape = session.InputMetadata["Token"].Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
        _stateShape = session.InputMetadata["H"].Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
    }

    /// <summary>The vocabulary, in word-id order.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The sentence's negative log-likelihood, token count and next word, from a zero state.</summary>
    public SentenceScore Score(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        int[] targets = sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(word => _ids.TryGetValue(word, out int id) ? id : _unknown)
            .Append(_endOfSentence)
            .ToArray();
        long stateSize = _stateShape.Aggregate(1L, (a, b) => a * b);
        float[] h = new float[stateSize], c = new float[stateSize];
        long[] token = { _endOfSentence };
        double negativeLogLikelihood = 0;
        int next = 0;
        for (int t = 0; t < targets.Length; t++)
        {
            using OrtValue tokenValue = OrtValue.CreateTensorValueFromMemory(token, _tokenShape);
            using OrtValue hValue = OrtValue.CreateTensorValueFromMemory(h, _stateShape);
            using OrtValue cValue = OrtValue.CreateTensorValueFromMemory(c, _stateShape);
            using var outputs = _session.Run(_runOptions, InputNames, new[] { tokenValue, hValue, cValue }, OutputNames);
            ReadOnlySpan<float> logProbabilities = outputs[0].GetTensorDataAsSpan<float>();
            negativeLogLikelihood -= logProbabilities[targets[t]];
            if (t == targets.Length - 1)
                next = ArgMax(logProbabilities);
            // The run has finished with the inputs, so the state buffers can take the new state in place.
            outputs[1].GetTensorDataAsSpan<float>().CopyTo(h);
            outputs[2].GetTensorDataAsSpan<float>().CopyTo(c);
            token[0] = targets[t];
        }
        return new SentenceScore(negativeLogLikelihood, targets.Length, _words[next]);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }

    // The first index of the largest value, as torch's argmax.
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
