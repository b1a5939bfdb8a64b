namespace Microsoft.ML.ArchitectureSearch.Pipeline.Data;

/// <summary>
/// Word list of a language model: words split on white space, every sentence ends with <c>&lt;eos&gt;</c>, and words not
/// seen in training map to <c>&lt;unk&gt;</c> (Penn Treebank's own unknown-word token).
/// </summary>
internal sealed class Vocabulary
{
    public const string EndOfSentence = "<eos>";
    public const string Unknown = "<unk>";

    private readonly Dictionary<string, int> _index;

    public Vocabulary(IReadOnlyList<string> words)
    {
        Words = words;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < words.Count; i++)
        {
            if (!_index.TryAdd(words[i], i))
                throw new InvalidDataException($"The vocabulary lists the word '{words[i]}' twice.");
        }
        if (!_index.ContainsKey(EndOfSentence) || !_index.ContainsKey(Unknown))
            throw new InvalidDataException($"The vocabulary lacks '{EndOfSentence}' or '{Unknown}'.");
    }

    public IReadOnlyList<string> Words { get; }

    public int Count => Words.Count;

    public int EndOfSentenceId => _index[EndOfSentence];

    /// <summary>Words in order of first appearance, after <c>&lt;eos&gt;</c> and <c>&lt;unk&gt;</c>.</summary>
    public static Vocabulary Build(IEnumerable<string> sentences)
    {
        var words = new List<string> { EndOfSentence, Unknown };
        var seen = new HashSet<string>(words, StringComparer.Ordinal);
        foreach (string sentence in sentences)
        {
            foreach (string word in Split(sentence))
            {
                if (seen.Add(word))
                    words.Add(word);
            }
        }
        return new Vocabulary(words);
    }

    public static string[] Split(string sentence) =>
        sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Word ids of the sentence followed by <c>&lt;eos&gt;</c>.</summary>
    public int[] Encode(string sentence)
    {
        string[] words = Split(sentence);
        var ids = new int[words.Length + 1];
        int unknown = _index[Unknown];
        for (int i = 0; i < words.Length; i++)
            ids[i] = _index.TryGetValue(words[i], out int id) ? id : unknown;
        ids[^1] = EndOfSentenceId;
        return ids;
    }
}
