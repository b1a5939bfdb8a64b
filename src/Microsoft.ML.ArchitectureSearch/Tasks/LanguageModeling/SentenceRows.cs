using Microsoft.ML.ArchitectureSearch.Data;

namespace Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

/// <summary>Sentences (one per row) and the vocabulary built from the training sentences.</summary>
internal sealed class SentenceRows : TaskRows
{
    private readonly LanguageModelData _modelData;

    public SentenceRows(IReadOnlyList<string> sentences, LanguageModelData modelData)
    {
        Sentences = sentences;
        _modelData = modelData;
    }

    public IReadOnlyList<string> Sentences { get; }

    public Vocabulary Vocabulary => _modelData.Vocabulary;

    public override int Count => Sentences.Count;

    public override TaskModelData ModelData => _modelData;

    /// <summary>All sentences as one stream of word ids, each sentence followed by <c>&lt;eos&gt;</c> (as in Penn Treebank).</summary>
    public int[] EncodeStream(out int unknownWords) => Vocabulary.EncodeStream(Sentences, out unknownWords);

    public override TaskRows Select(IReadOnlyList<int> indices) =>
        new SentenceRows(indices.Select(i => Sentences[i]).ToArray(), _modelData);
}
