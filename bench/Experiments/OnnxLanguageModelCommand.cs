using System.CommandLine;
using System.Diagnostics;
using Examples.OnnxScoring;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.OnnxRuntime;

using static Microsoft.ML.ArchitectureSearch.Experiments.InvariantOutput;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// A language model's ONNX export against the TorchSharp transformer on Penn Treebank test sentences: the saved model zip
/// scored by the transformer (Perplexity and PredictedNextWord per row), and its SaveAsOnnx file driven word by word by
/// src/Examples.OnnxScoring's OnnxLanguageModel on ONNX Runtime. Prints the largest relative perplexity difference, the
/// next words that differ, both corpus perplexities, and per engine sentences/s, ms per sentence (wall) and CPU ms per
/// sentence (process CPU time, less sensitive to other load on a shared machine), one engine after the other.
/// </summary>
internal sealed class OnnxLanguageModelCommand : System.CommandLine.Command
{
    private sealed class TorchPrediction
    {
        public float Perplexity { get; set; }
        public string PredictedNextWord { get; set; } = "";
    }

    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("ptb");
    private readonly Option<int?> _testSize = CommonOptions.TestSize("sentences");
    private readonly Option<string?> _model = CommonOptions.ExistingFile("--model", "The language model's zip that src/Examples' ptb command wrote.");
    private readonly Option<string?> _onnx = CommonOptions.ExistingFile("--onnx", "Its SaveAsOnnx export (the ptb command writes model.onnx beside the zip).");
    private readonly Option<int> _threads = CommonOptions.Count("--onnx-threads", "ONNX Runtime intra-op threads (match OMP_NUM_THREADS for libtorch).", 1);

    public OnnxLanguageModelCommand()
        : base("onnx-lm-agreement", "TorchSharp transformer vs its ONNX export on Penn Treebank test sentences: perplexity and next-word agreement, scoring speed.")
    {
        foreach (Option option in new Option[] { _dataDir, _testSize, _model, _onnx, _threads })
            Options.Add(option);
        _model.Required = true;
        _onnx.Required = true;
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var ml = new MLContext(seed: 1);
        PennTreebankFiles files = PennTreebank.Locate(_dataDir.Resolve(parse));
        string[] sentences = PennTreebank.ReadSentences(files.Test, parse.GetValue(_testSize));
        IDataView test = ml.Data.Cache(ml.Data.LoadFromEnumerable(sentences.Select(s => new SentenceRow { Text = s })));
        string onnxPath = parse.GetValue(_onnx)!;
        var torch = (ArchitectureSearchTransformer)ml.Model.Load(parse.GetValue(_model)!, out _);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = parse.GetValue(_threads), InterOpNumThreads = 1 };
        using var onnx = new OnnxLanguageModel(onnxPath, sessionOptions);
        Print($"sentences={sentences.Length} onnx_bytes={new FileInfo(onnxPath).Length} zip_bytes={new FileInfo(parse.GetValue(_model)!).Length} vocabulary={onnx.Words.Count} onnx_threads={parse.GetValue(_threads)} OMP_NUM_THREADS={Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "(unset)"}");

        // Warm both up on a few sentences, then time a full pass each.
        _ = ml.Data.CreateEnumerable<TorchPrediction>(torch.Transform(ml.Data.TakeRows(test, 20)), false).ToArray();
        foreach (string sentence in sentences.Take(20))
            onnx.Score(sentence);
        (TorchPrediction[] expected, double torchSeconds, double torchCpu) = Timed(() => ml.Data.CreateEnumerable<TorchPrediction>(torch.Transform(test), false).ToArray());
        (SentenceScore[] actual, double onnxSeconds, double onnxCpu) = Timed(() => sentences.Select(onnx.Score).ToArray());

        double largest = 0;
        int differing = 0;
        for (int i = 0; i < sentences.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(actual[i].Perplexity - expected[i].Perplexity) / expected[i].Perplexity);
            if (actual[i].NextWord != expected[i].PredictedNextWord)
                differing++;
        }
        // Corpus perplexity: every sentence weighted by its token count (the driver's count is the transformer's: words + <eos>).
        int tokens = actual.Sum(s => s.Tokens);
        double onnxCorpus = Math.Exp(actual.Sum(s => s.NegativeLogLikelihood) / tokens);
        double torchCorpus = Math.Exp(Enumerable.Range(0, sentences.Length).Sum(i => Math.Log(expected[i].Perplexity) * actual[i].Tokens) / tokens);
        Print($"AGREEMENT largest_relative_perplexity_difference={largest:E2} differing_next_words={differing} torch_corpus_perplexity={torchCorpus:0.000} onnx_corpus_perplexity={onnxCorpus:0.000} tokens={tokens}");
        int n = sentences.Length;
        Print($"SPEED torch_sentences_per_s={n / torchSeconds:0.0} onnx_sentences_per_s={n / onnxSeconds:0.0} torch_ms_per_sentence={1000 * torchSeconds / n:0.000} onnx_ms_per_sentence={1000 * onnxSeconds / n:0.000}");
        Print($"CPU torch_cpu_ms_per_sentence={1000 * torchCpu / n:0.000} onnx_cpu_ms_per_sentence={1000 * onnxCpu / n:0.000}");
        return 0;
    }

    // Wall and process CPU seconds of one call.
    private static (T Result, double Seconds, double CpuSeconds) Timed<T>(Func<T> run)
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        T result = run();
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (result, seconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }
}
