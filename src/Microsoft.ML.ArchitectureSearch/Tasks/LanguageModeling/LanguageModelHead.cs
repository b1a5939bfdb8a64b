using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Networks.Onnx;
using Microsoft.ML.Data;
using Microsoft.ML.ArchitectureSearch.Pipeline;
using Microsoft.ML.ArchitectureSearch.Pipeline.Scoring;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>
/// Language-model outputs for a row's sentence: Perplexity, exp of the mean negative log-likelihood of its words and
/// the closing <c>&lt;eos&gt;</c>, each predicted from the words before it (the context starts at <c>&lt;eos&gt;</c>, as after
/// the previous sentence in Penn Treebank); PredictedNextWord, the most probable word after the sentence's last word
/// (may be <c>&lt;eos&gt;</c>). Unknown words read as <c>&lt;unk&gt;</c>. Every row starts from a zero state, which
/// is how training reads sentences by default (docs/language-model-scoring.md).
/// </summary>
internal sealed class LanguageModelHead : IOutputHead
{
    /// <summary>Tokens read per step of a long sentence: bounds scoring memory (chunk x vocabulary floats) whatever the row length.</summary>
    internal const int ScoringChunkLength = 256;

    private readonly ColumnNames _columns;
    private readonly Vocabulary _vocabulary;
    private readonly SharedNetwork _shared;

    public LanguageModelHead(ColumnNames columns, Vocabulary vocabulary, SharedNetwork shared)
    {
        _columns = columns;
        _vocabulary = vocabulary;
        _shared = shared;
        Outputs = new[]
        {
            new OutputColumn(columns.Perplexity, NumberDataViewType.Single, DataViewSchema.Annotations.Empty),
            new OutputColumn(columns.PredictedNextWord, TextDataViewType.Instance, DataViewSchema.Annotations.Empty),
        };
    }

    public string InputColumnName => _columns.Feature;

    public IReadOnlyList<OutputColumn> Outputs { get; }

    public void CheckInput(DataViewSchema inputSchema) => InputSchemaChecks.CheckTextColumn(inputSchema, _columns.Feature);

    public RowScorer CreateScorer(DataViewRow input) => new Scorer(this, input);

    public DataViewType OnnxInputType => TextDataViewType.Instance;

    // ConvertToOnnx hands each transform a graph over IDataView columns; a row's Perplexity needs its text split into
    // words and looked up in the vocabulary, and the cell run once per word over a sentence of any length (an ONNX Loop
    // or Scan, whose body is a graph-valued attribute that ML.NET's OnnxContext cannot write). So this refuses, and
    // SaveAsOnnx writes one time step for a driver instead (docs/onnx-export.md).
    public IReadOnlyList<string> ExportOnnx(OnnxGraphBuilder onnx, string input) =>
        throw new NotSupportedException(
            "mlContext.Model.ConvertToOnnx cannot export a language model: its Perplexity and PredictedNextWord need the text split into words and looked up in the vocabulary, and the recurrent cell run once per word (an ONNX Loop or Scan, whose body graph ML.NET's ONNX converter cannot write). Use the transformer's SaveAsOnnx, which writes one time step (Token, H, C -> LogProbabilities, NextH, NextC) with the vocabulary, and a driver that feeds it word by word (docs/onnx-export.md; src/Examples.OnnxScoring has one in C#).");

    /// <summary>The one-step graph with the vocabulary (<see cref="LanguageModelOnnxStep"/>).</summary>
    public void SaveAsOnnx(Stream stream) => _shared.Use(network =>
    {
        LanguageModelOnnxStep.Save(stream, ((LanguageModelScoringNetwork)network).Model, _vocabulary);
        return 0;
    });

    /// <summary>
    /// exp of the mean negative log-likelihood over every word and closing <c>&lt;eos&gt;</c> of the rows of
    /// <paramref name="scored"/> (this head's output), each sentence weighted by its token count. Streams the rows.
    /// </summary>
    public double CorpusPerplexity(IDataView scored)
    {
        DataViewSchema.Column text = scored.Schema[_columns.Feature];
        DataViewSchema.Column perplexity = scored.Schema[_columns.Perplexity];
        double negativeLogLikelihood = 0;
        long tokens = 0;
        using DataViewRowCursor cursor = scored.GetRowCursor(new[] { text, perplexity });
        var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var getPerplexity = cursor.GetGetter<float>(perplexity);
        ReadOnlyMemory<char> sentence = default;
        float value = 0;
        while (cursor.MoveNext())
        {
            getText(ref sentence);
            getPerplexity(ref value);
            int count = Vocabulary.Split(sentence.ToString()).Length + 1; // the words and <eos>
            negativeLogLikelihood += Math.Log(value) * count;
            tokens += count;
        }
        if (tokens == 0) throw new ArgumentException("The data has no rows to evaluate.", "data");
        return Math.Exp(negativeLogLikelihood / tokens);
    }

    private sealed class Scorer : RowScorer
    {
        private readonly LanguageModelHead _head;
        private readonly ValueGetter<ReadOnlyMemory<char>> _text;
        private ReadOnlyMemory<char> _textBuffer;
        private float _perplexity;
        private string _nextWord = "";

        public Scorer(LanguageModelHead head, DataViewRow input) : base(input)
        {
            _head = head;
            _text = input.GetGetter<ReadOnlyMemory<char>>(input.Schema[head._columns.Feature]);
        }

        public override Delegate GetGetter(int outputIndex) => outputIndex switch
        {
            0 => (ValueGetter<float>)((ref float dst) => { EnsureComputed(); dst = _perplexity; }),
            1 => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => { EnsureComputed(); dst = _nextWord.AsMemory(); }),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };

        protected override void Compute()
        {
            _text(ref _textBuffer);
            int[] targets = _head._vocabulary.Encode(_textBuffer.ToString());
            // The last position has read every word of the sentence (its target is the closing <eos>), so the word it
            // predicts is the next word after the sentence.
            (double nll, int next) = _head._shared.Use(network =>
                ((LanguageModelScoringNetwork)network).ScoreSentence(targets, _head._vocabulary.EndOfSentenceId, ScoringChunkLength));
            _perplexity = (float)Math.Exp(nll / targets.Length);
            _nextWord = _head._vocabulary.Words[next];
        }
    }
}
