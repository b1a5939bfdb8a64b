namespace Microsoft.ML.ArchitectureSearch.Data;

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
                throw new InvalidDataException($"The vocabulary lists the word {UserText.Quote(words[i])} twice.");
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

    /// <summary>The id of <paramref name="word"/>, or of <c>&lt;unk&gt;</c> when the vocabulary lacks it.</summary>
    public int IdOf(string word) => _index.TryGetValue(word, out int id) ? id : _index[Unknown];

    /// <summary>Whether the word has its own id (is not mapped to <c>&lt;unk&gt;</c>).</summary>
    public bool Contains(string word) => _index.ContainsKey(word);

    /// <summary>Word ids of the sentence followed by <c>&lt;eos&gt;</c>.</summary>
    public int[] Encode(string sentence) => Encode(sentence, out _);

    /// <summary>Word ids of the sentence followed by <c>&lt;eos&gt;</c>; <paramref name="unknownWords"/> counts the words that became <c>&lt;unk&gt;</c>.</summary>
    public int[] Encode(string sentence, out int unknownWords)
    {
        string[] words = Split(sentence);
        var ids = new int[words.Length + 1];
        unknownWords = 0;
        for (int i = 0; i < words.Length; i++)
        {
            if (_index.TryGetValue(words[i], out int id)) ids[i] = id;
            else { ids[i] = _index[Unknown]; unknownWords++; }
        }
        ids[^1] = EndOfSentenceId;
        return ids;
    }

    /// <summary>
    /// One stream of word ids for a corpus, every sentence followed by <c>&lt;eos&gt;</c>, as language models train on it.
    /// <paramref name="unknownWords"/> counts the words (not already <c>&lt;unk&gt;</c>) that were replaced by <c>&lt;unk&gt;</c>.
    /// </summary>
    public int[] EncodeStream(IEnumerable<string> sentences, out int unknownWords)
    {
        var stream = new List<int>();
        unknownWords = 0;
        foreach (string sentence in sentences)
        {
            stream.AddRange(Encode(sentence, out int unknown));
            unknownWords += unknown;
        }
        return stream.ToArray();
    }
}
