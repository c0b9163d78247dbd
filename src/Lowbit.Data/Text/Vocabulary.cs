namespace Lowbit.Data.Text;

/// <summary>
/// The token set of a language-model corpus: a dense id 0..Count−1 per token, in order of first appearance in the
/// training text (words) or in code-point order (characters).
/// </summary>
/// <remarks>
/// Word vocabularies always hold <see cref="Unknown"/> (words of the validation and test text that the training text
/// lacks map to it) and <see cref="EndOfSentence"/> (appended at the end of every line). Character vocabularies hold
/// neither; every character of the text has its own id.
/// </remarks>
public sealed class Vocabulary
{
    /// <summary>The out-of-vocabulary token of word-level corpora.</summary>
    public const string Unknown = "<unk>";

    /// <summary>The end-of-line token appended to every line of a word-level corpus.</summary>
    public const string EndOfSentence = "<eos>";

    private readonly List<string> _tokens = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    /// <summary>Creates a vocabulary of the given tokens, with ids in list order.</summary>
    /// <param name="tokens">Distinct tokens.</param>
    /// <exception cref="ArgumentException">A token is null, empty or repeated.</exception>
    public Vocabulary(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        foreach (string token in tokens)
        {
            ArgumentException.ThrowIfNullOrEmpty(token, nameof(tokens));
            if (!_ids.TryAdd(token, _tokens.Count))
            {
                throw new ArgumentException($"Vocabulary: token '{token}' appears twice.", nameof(tokens));
            }

            _tokens.Add(token);
        }
    }

    /// <summary>Number of tokens (the size of the model's embedding and softmax).</summary>
    public int Count => _tokens.Count;

    /// <summary>The token with id <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside 0..Count−1.</exception>
    public string this[int id]
    {
        get
        {
            if ((uint)id >= (uint)_tokens.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids are 0..{_tokens.Count - 1}.");
            }

            return _tokens[id];
        }
    }

    /// <summary>The tokens in id order.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Looks up a token's id.</summary>
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of <see cref="Unknown"/>, or −1 when the vocabulary has none (character level).</summary>
    public int UnknownId => _ids.GetValueOrDefault(Unknown, -1);

    /// <summary>The id of <see cref="EndOfSentence"/>, or −1 when the vocabulary has none (character level).</summary>
    public int EndOfSentenceId => _ids.GetValueOrDefault(EndOfSentence, -1);

    /// <summary>Decodes ids to text: words joined by spaces (an end-of-sentence token becomes a line break), characters concatenated.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="characterLevel">Concatenate (characters) instead of joining with spaces (words).</param>
    public string Decode(ReadOnlySpan<int> ids, bool characterLevel)
    {
        var text = new System.Text.StringBuilder();
        foreach (int id in ids)
        {
            string token = this[id];
            if (characterLevel)
            {
                text.Append(token);
            }
            else if (token == EndOfSentence)
            {
                text.Append('\n');
            }
            else
            {
                if (text.Length > 0 && text[^1] != '\n')
                {
                    text.Append(' ');
                }

                text.Append(token);
            }
        }

        return text.ToString();
    }
}
