namespace Lowbit.Data.Text;

/// <summary>Whether a corpus is modelled word by word or character by character.</summary>
public enum TokenLevel
{
    /// <summary>Whitespace-separated words, with an end-of-sentence token after every line.</summary>
    Word,

    /// <summary>Unicode characters (code points), line breaks included.</summary>
    Character,
}

/// <summary>
/// A language-modelling corpus: its vocabulary and the training, validation and test texts as token-id streams.
/// </summary>
/// <param name="Name">Short name for messages and results, e.g. "ptb" or "input".</param>
/// <param name="Level">Word or character level (perplexity is per word or per character).</param>
/// <param name="Vocabulary">The token set.</param>
/// <param name="Train">Training token ids, in text order.</param>
/// <param name="Validation">Validation token ids.</param>
/// <param name="Test">Test token ids.</param>
/// <param name="UnknownInValidation">Validation words missing from the training text (mapped to &lt;unk&gt;).</param>
/// <param name="UnknownInTest">Test words missing from the training text (mapped to &lt;unk&gt;).</param>
public sealed record LanguageCorpus(
    string Name, TokenLevel Level, Vocabulary Vocabulary, int[] Train, int[] Validation, int[] Test, int UnknownInValidation = 0, int UnknownInTest = 0)
{
    /// <summary>Keeps only the first tokens of each part (quick runs and tests); null keeps a part whole.</summary>
    /// <param name="train">Training tokens to keep, or null.</param>
    /// <param name="validation">Validation tokens to keep, or null.</param>
    /// <param name="test">Test tokens to keep, or null.</param>
    public LanguageCorpus Truncate(int? train, int? validation, int? test) => this with
    {
        Train = Prefix(Train, train),
        Validation = Prefix(Validation, validation),
        Test = Prefix(Test, test),
    };

    private static int[] Prefix(int[] tokens, int? count) => count is int n && n < tokens.Length ? tokens[..n] : tokens;
}
