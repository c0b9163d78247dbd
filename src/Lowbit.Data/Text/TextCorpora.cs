using System.Text;
using Lowbit.Data.Formats;

namespace Lowbit.Data.Text;

/// <summary>
/// Loads language-modelling corpora: word level in the Penn Treebank text format (a folder with train, validation and
/// test files) and character level from one text file split by position.
/// </summary>
/// <remarks>
/// Word level: each file holds one sentence per line, words separated by whitespace; every line (an empty one too)
/// contributes its words and then <c>&lt;eos&gt;</c>. The vocabulary is the training text's words in order of first
/// appearance, plus <c>&lt;unk&gt;</c> when the text lacks it; validation and test words missing from it become
/// <c>&lt;unk&gt;</c> (counted in <see cref="LanguageCorpus.UnknownInValidation"/> / <see cref="LanguageCorpus.UnknownInTest"/>).
/// Mikolov's PTB gives 10,000 tokens and 929,589 / 73,760 / 82,430 training / validation / test tokens.
/// Character level: the vocabulary is every distinct code point of the whole file in ordinal order (as char-rnn
/// builds it); the text is cut into a training prefix, then validation, then test parts.
/// Files may be gzipped (detected by content). Errors name the file, line and byte offset.
/// </remarks>
public static class TextCorpora
{
    /// <summary>File names tried for each part of a word-level corpus (each also with ".gz"), in order.</summary>
    private static readonly Dictionary<string, string[]> s_wordFiles = new(StringComparer.Ordinal)
    {
        ["train"] = ["ptb.train.txt", "train.txt", "wiki.train.tokens"],
        ["valid"] = ["ptb.valid.txt", "valid.txt", "wiki.valid.tokens"],
        ["test"] = ["ptb.test.txt", "test.txt", "wiki.test.tokens"],
    };

    /// <summary>File name looked for when a character-level path is a folder (also with ".gz").</summary>
    public const string CharacterFileName = "input.txt";

    /// <summary>Loads a word-level corpus from <paramref name="folder"/> (ptb.train.txt, ptb.valid.txt, ptb.test.txt, optionally gzipped).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A part is missing; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">A file is empty, not UTF-8 text, or has no words.</exception>
    public static LanguageCorpus LoadWords(string folder)
    {
        RequireFolder(folder);
        string trainPath = Resolve(folder, "train"), validPath = Resolve(folder, "valid"), testPath = Resolve(folder, "test");
        var trainWords = ReadWords(trainPath);
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string word in trainWords)
        {
            if (seen.Add(word))
            {
                order.Add(word);
            }
        }

        if (seen.Add(Vocabulary.Unknown))
        {
            order.Add(Vocabulary.Unknown);
        }

        var vocabulary = new Vocabulary(order);
        int[] train = Encode(trainWords, vocabulary, out _);
        int[] valid = Encode(ReadWords(validPath), vocabulary, out int unknownValid);
        int[] test = Encode(ReadWords(testPath), vocabulary, out int unknownTest);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new LanguageCorpus(name, TokenLevel.Word, vocabulary, train, valid, test, unknownValid, unknownTest);
    }

    /// <summary>
    /// Loads a character-level corpus from a text file, or from <see cref="CharacterFileName"/> in a folder, and cuts it
    /// into training (the first 1 − validation − test of the characters), validation and test parts.
    /// </summary>
    /// <param name="path">A text file (optionally gzipped) or a folder holding input.txt[.gz].</param>
    /// <param name="validationFraction">Share of the characters for validation, in (0, 1).</param>
    /// <param name="testFraction">Share of the characters for test, in (0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is outside (0, 1) or they leave no training text.</exception>
    /// <exception cref="FileNotFoundException">The file (or input.txt in the folder) is missing.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not UTF-8 text, or too short to split.</exception>
    public static LanguageCorpus LoadCharacters(string path, double validationFraction = 0.05, double testFraction = 0.05)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckFraction(validationFraction, nameof(validationFraction));
        CheckFraction(testFraction, nameof(testFraction));
        if (validationFraction + testFraction >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"Validation ({validationFraction}) and test ({testFraction}) fractions must leave some text for training (sum below 1).");
        }

        string file = Directory.Exists(path) ? ResolveCandidates(path, "character-level text", [CharacterFileName]) : path;
        string text = Encoding.UTF8.GetString(TextLines.ReadBytes(file));
        var runes = new List<int>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            runes.Add(rune.Value);
        }

        var distinct = runes.Distinct().Order().ToList();
        var vocabulary = new Vocabulary(distinct.Select(v => new Rune(v).ToString()));
        var idOf = new Dictionary<int, int>();
        for (int i = 0; i < distinct.Count; i++)
        {
            idOf[distinct[i]] = i;
        }

        int[] ids = runes.Select(r => idOf[r]).ToArray();
        int validCount = (int)(ids.Length * validationFraction), testCount = (int)(ids.Length * testFraction);
        int trainCount = ids.Length - validCount - testCount;
        if (validCount < 2 || testCount < 2 || trainCount < 2)
        {
            throw DataFormatError.At(file, 0, "text", $"{ids.Length} characters are too few to split into training, validation ({validationFraction}) and test ({testFraction}) parts of at least 2 characters each");
        }

        string name = Path.GetFileName(file);
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return new LanguageCorpus(
            dot > 0 ? name[..dot] : name, TokenLevel.Character, vocabulary,
            ids[..trainCount], ids[trainCount..(trainCount + validCount)], ids[(trainCount + validCount)..]);
    }

    /// <summary>The words of a file, with <c>&lt;eos&gt;</c> after every line.</summary>
    private static List<string> ReadWords(string path)
    {
        var words = new List<string>();
        foreach (var line in TextLines.Read(path))
        {
            words.AddRange(line.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            words.Add(Vocabulary.EndOfSentence);
        }

        if (words.All(w => w == Vocabulary.EndOfSentence))
        {
            throw DataFormatError.At(path, 0, "text", "the file has no words (only blank lines)");
        }

        return words;
    }

    private static int[] Encode(List<string> words, Vocabulary vocabulary, out int unknown)
    {
        var ids = new int[words.Count];
        unknown = 0;
        int unk = vocabulary.UnknownId;
        for (int i = 0; i < ids.Length; i++)
        {
            if (!vocabulary.TryGetId(words[i], out ids[i]))
            {
                ids[i] = unk;
                unknown++;
            }
        }

        return ids;
    }

    private static void CheckFraction(double value, string name)
    {
        if (!(value > 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie strictly between 0 and 1.");
        }
    }

    private static void RequireFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Text corpus folder not found: '{Path.GetFullPath(folder)}'.");
        }
    }

    private static string Resolve(string folder, string part) => ResolveCandidates(folder, $"the {part} part of a word-level corpus", s_wordFiles[part]);

    private static string ResolveCandidates(string folder, string what, string[] names)
    {
        var candidates = names.SelectMany(n => new[] { n, n + ".gz" }).ToList();
        foreach (string candidate in candidates)
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(
            $"No file for {what} in '{Path.GetFullPath(folder)}': looked for {string.Join(", ", candidates)}.", Path.Combine(folder, names[0]));
    }
}
