using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.LanguageModel;
using Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// The stand-alone ONNX model of a language model: one time step, (Token, H, C) to (LogProbabilities, NextH, NextC),
/// with the vocabulary in the model's metadata, so the file alone is enough to score text. A one-step graph rather than
/// one Loop/Scan over the sentence: ML.NET's ONNX writer cannot write a subgraph, and a step also serves generation and
/// state carried across sentences (docs/onnx-export.md). These names are the contract with drivers such as
/// src/Examples.OnnxScoring's.
/// </summary>
internal static class LanguageModelOnnxStep
{
    public const string Token = "Token";
    public const string H = "H";
    public const string C = "C";
    public const string LogProbabilities = "LogProbabilities";
    public const string NextH = "NextH";
    public const string NextC = "NextC";

    /// <summary>Metadata key of the vocabulary: the words in id order, one per line.</summary>
    public const string VocabularyKey = "vocabulary";

    /// <summary>Metadata key of the end-of-sentence word (the first input of a sentence and its last target).</summary>
    public const string EndOfSentenceKey = "end_of_sentence";

    /// <summary>Metadata key of the word that stands for words outside the vocabulary.</summary>
    public const string UnknownKey = "unknown";

    public static void Save(Stream stream, WordLanguageModel model, Vocabulary vocabulary)
    {
        if (vocabulary.Count != model.VocabularySize)
            throw new InvalidOperationException($"The vocabulary has {vocabulary.Count} words but the network predicts {model.VocabularySize}.");
        var state = new VectorDataViewType(NumberDataViewType.Single, model.LayerCount, model.HiddenSize);
        OnnxExport.Save(stream,
            new OnnxModelVariable[] { new(Token, NumberDataViewType.Int64), new(H, state), new(C, state) },
            new OnnxModelVariable[]
            {
                new(LogProbabilities, new VectorDataViewType(NumberDataViewType.Single, model.VocabularySize)), new(NextH, state), new(NextC, state),
            },
            (onnx, inputs) =>
            {
                (string logProbabilities, string h, string c) = model.ExportOnnxStep(onnx, inputs[0], inputs[1], inputs[2]);
                return new[] { logProbabilities, h, c };
            },
            new Dictionary<string, string>
            {
                [VocabularyKey] = string.Join("\n", vocabulary.Words),
                [EndOfSentenceKey] = Vocabulary.EndOfSentence,
                [UnknownKey] = Vocabulary.Unknown,
            });
    }
}
