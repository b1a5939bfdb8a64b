using System.Diagnostics;

namespace Examples.OnnxScoring;

/// <summary>
/// Scores Penn Treebank sentences with a language model's one-step ONNX graph (ArchitectureSearchTransformer.SaveAsOnnx),
/// driven by <see cref="OnnxLanguageModel"/>: corpus perplexity (each sentence from a fresh state, as the transformer's
/// EvaluatePerplexity), speed, and a few next-word predictions.
/// </summary>
internal static class PtbScoring
{
    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 3 || (args.Length == 3 && !int.TryParse(args[2], out _)))
        {
            Console.Error.WriteLine("usage: Examples.OnnxScoring ptb MODEL.onnx [SENTENCE_FILE (default: testdata/ptb/ptb.test.txt)] [MAX_SENTENCES]");
            return 2;
        }
        string modelPath = args[0];
        string textPath = args.Length > 1 ? args[1] : Path.Combine("testdata", "ptb", "ptb.test.txt");
        foreach (string path in new[] { modelPath, textPath })
        {
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"No file at {path}: run 'dotnet run --project src/Examples -c Release -- ptb' first, which writes out/ptb/model.onnx.");
                return 2;
            }
        }
        // One sentence per line, trimmed, blank lines dropped: the rows src/Examples' ptb command evaluates.
        IEnumerable<string> lines = File.ReadLines(textPath).Select(l => l.Trim()).Where(l => l.Length > 0);
        string[] sentences = (args.Length == 3 ? lines.Take(int.Parse(args[2])) : lines).ToArray();

        using var model = new OnnxLanguageModel(modelPath);
        var clock = Stopwatch.StartNew();
        SentenceScore[] scores = sentences.Select(model.Score).ToArray();
        clock.Stop();
        double perplexity = Math.Exp(scores.Sum(s => s.NegativeLogLikelihood) / scores.Sum(s => s.Tokens));
        Console.WriteLine($"ONNX language model {modelPath} ({new FileInfo(modelPath).Length:N0} bytes), {model.Words.Count:N0} words");
        Console.WriteLine($"test perplexity {perplexity:0.00} over {sentences.Length} sentences ({scores.Sum(s => s.Tokens):N0} tokens) in {clock.Elapsed.TotalMilliseconds:0} ms " +
            $"({sentences.Length / clock.Elapsed.TotalSeconds:0.0} sentences/s, {clock.Elapsed.TotalMilliseconds / sentences.Length:0.00} ms per sentence)");
        foreach (string text in new[] { "the company said it expects", "stock prices", "the federal reserve" })
        {
            SentenceScore s = model.Score(text);
            Console.WriteLine($"  '{text}' -> next word '{s.NextWord}' (sentence perplexity {s.Perplexity:0.0})");
        }
        return 0;
    }
}
