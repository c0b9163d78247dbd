using System.Text;
using Lowbit.Data.Tests.Formats;
using Lowbit.Data.Text;

namespace Lowbit.Data.Tests.Text;

public sealed class TextCorporaTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private void WritePtb(string train, string valid, string test, bool gzip = false)
    {
        _files.Write(gzip ? "ptb.train.txt.gz" : "ptb.train.txt", Encoding.UTF8.GetBytes(train), gzip);
        _files.Write("ptb.valid.txt", Encoding.UTF8.GetBytes(valid), gzip: false);
        _files.Write("ptb.test.txt", Encoding.UTF8.GetBytes(test), gzip: false);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadWords_AppendsEosPerLine_IdsInFirstAppearanceOrder_UnknownForNewWords(bool gzip)
    {
        WritePtb(" the cat sat \n the dog \n", " the bird \r\n", "dog\tcat\nlast line without newline", gzip);

        var corpus = TextCorpora.LoadWords(_files.Folder);

        // the cat sat <eos> dog, then <unk> added because the training text lacks it
        Assert.Equal(["the", "cat", "sat", "<eos>", "dog", "<unk>"], corpus.Vocabulary.Tokens);
        Assert.Equal([0, 1, 2, 3, 0, 4, 3], corpus.Train);
        Assert.Equal([0, 5, 3], corpus.Validation);              // bird -> <unk>
        Assert.Equal([4, 1, 3, 5, 5, 5, 5, 3], corpus.Test);      // a final line without "\n" counts too
        Assert.Equal((1, 4), (corpus.UnknownInValidation, corpus.UnknownInTest));
        Assert.Equal(TokenLevel.Word, corpus.Level);
        Assert.Equal("the cat sat\nthe dog\n", corpus.Vocabulary.Decode(corpus.Train, characterLevel: false));
    }

    [Fact]
    public void LoadWords_KeepsExistingUnknownToken()
    {
        WritePtb("a <unk> b\n", "a\n", "b\n");
        var corpus = TextCorpora.LoadWords(_files.Folder);
        Assert.Equal(["a", "<unk>", "b", "<eos>"], corpus.Vocabulary.Tokens);
        Assert.Equal(1, corpus.Vocabulary.UnknownId);
    }

    [Fact]
    public void LoadWords_MissingPart_ListsTheNamesLookedFor()
    {
        _files.Write("ptb.train.txt", "a b\n"u8.ToArray(), gzip: false);
        var ex = Assert.Throws<FileNotFoundException>(() => TextCorpora.LoadWords(_files.Folder));
        Assert.Contains("ptb.valid.txt, ptb.valid.txt.gz, valid.txt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadWords_InvalidUtf8_NamesFileLineAndByte()
    {
        WritePtb("ok line\nbad \xff\xfe byte\n".Select(c => (char)c).Aggregate("", (s, c) => s + c), "a\n", "a\n");
        File.WriteAllBytes(Path.Combine(_files.Folder, "ptb.train.txt"), [.. "ok line\nbad "u8, 0xff, .. " x\n"u8]);
        var ex = Assert.Throws<InvalidDataException>(() => TextCorpora.LoadWords(_files.Folder));
        Assert.Contains("ptb.train.txt: text (line 2): invalid UTF-8 byte 0xff", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("at byte 12", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadWords_BinaryFile_IsRejectedAtTheNulByte()
    {
        WritePtb("a\n", "a\n", "a\n");
        File.WriteAllBytes(Path.Combine(_files.Folder, "ptb.test.txt"), [(byte)'a', 0, (byte)'b']);
        var ex = Assert.Throws<InvalidDataException>(() => TextCorpora.LoadWords(_files.Folder));
        Assert.Contains("ptb.test.txt: text (line 1): found a NUL byte", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("at byte 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadWords_EmptyOrBlankFile_IsAnError()
    {
        WritePtb("a\n", "", "a\n");
        Assert.Contains("ptb.valid.txt: text: the file is empty", Assert.Throws<InvalidDataException>(() => TextCorpora.LoadWords(_files.Folder)).Message, StringComparison.Ordinal);
        WritePtb("a\n", "\n \n", "a\n");
        Assert.Contains("no words", Assert.Throws<InvalidDataException>(() => TextCorpora.LoadWords(_files.Folder)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadCharacters_SortedVocabulary_ContiguousSplit(bool folder)
    {
        string text = string.Concat(Enumerable.Repeat("ab\nca", 20)); // 100 characters
        string path = _files.Write(folder ? "input.txt.gz" : "shakespeare.txt", Encoding.UTF8.GetBytes(text), gzip: folder);

        var corpus = TextCorpora.LoadCharacters(folder ? _files.Folder : path, 0.1, 0.2);

        Assert.Equal(["\n", "a", "b", "c"], corpus.Vocabulary.Tokens);
        Assert.Equal((70, 10, 20), (corpus.Train.Length, corpus.Validation.Length, corpus.Test.Length));
        Assert.Equal(text, corpus.Vocabulary.Decode([.. corpus.Train, .. corpus.Validation, .. corpus.Test], characterLevel: true));
        Assert.Equal(TokenLevel.Character, corpus.Level);
    }

    [Fact]
    public void LoadCharacters_TooShortOrBadFractions_AreErrors()
    {
        string path = _files.Write("tiny.txt", "abcdefghij"u8.ToArray(), gzip: false);
        Assert.Contains("too few", Assert.Throws<InvalidDataException>(() => TextCorpora.LoadCharacters(path)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => TextCorpora.LoadCharacters(path, 0.5, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextCorpora.LoadCharacters(path, 0, 0.1));
    }
}
